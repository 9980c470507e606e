"""HELD-OUT generator: the home county counts more than distance; the best member carries the group.

Organizations know their own county (本地社会组织: relations with the township, the dialect): a lead
working in its home county does much better, and so do partners from the village's county, while
distance inside a county matters little. Groups that span several counties pay for it. The BEST
member's quality carries the group (not the lead's alone, not the weakest), and quality matters
more where needs are severe. Usual partners (mostly from one's county network) are all good
together, but familiarity saturates. Ratings follow quality, shifted by how generous each
county's civil-affairs bureau is; reviews are often double-checked.

    E = 30 + 70 σ(z)^1.5,
    z = −1.0 + 0.25 q_lead + 0.75 max q_members + 0.3 max q_members (severity − 3)
        − 0.15 (severity − 3) + 0.15 (level_lead − 3)
        + 0.8 [lead from the village's county] + 0.4 share of partners from it
        − 0.2 log1p(km_lead / 30)
        + 0.9 (1 − exp(−Σ usual-partner effects))
        − 0.05 (n − 1) − 0.35 (counties in the group − 1)
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_dense, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _communities(a, rng, knn):
    """Half the organizations belong to their county's network (label = county)."""
    member = rng.random(len(a.o_lat)) < 0.5
    return np.where(member, a.o_county, -1).astype(np.int64)


def _effects(rng, n):
    return rng.uniform(0.2, 0.7, n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.3, from_community=0.7, effect=_effects
    )


def _rating(a, rng):
    """Informative, shifted per county (generous or strict bureaus); 30 % unrated."""
    q = a.o_quality
    shift = rng.normal(0, 0.9, len(a.county_names))[a.o_county]
    r = np.clip(np.rint(3 + 0.7 * q + shift + rng.normal(0, 0.5, len(q))), 1, 5)
    return np.where(rng.random(len(q)) < 0.3, 0, r).astype(np.int64)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The same organization in a village of its own county, then of another county:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = 0
    >>> home = np.flatnonzero(w.actors.v_county == w.actors.o_county[a])[0]
    >>> away = np.flatnonzero(w.actors.v_county != w.actors.o_county[a])[0]
    >>> s = np.flatnonzero(w.actors.o_level[a])[0]
    >>> e = outcome(w, np.array([home, away]), np.array([s, s]), np.array([a, a]),
    ...             np.array([[a, -1], [a, -1]]))
    >>> bool(e[0] > e[1]), bool(((30 <= e) & (e <= 100)).all())
    (True, True)
    """
    t = Terms(w, v, s, lead, members)
    a = w.actors
    m = np.maximum(members, 0)
    q_best = np.where(t.present, a.o_quality[m], -np.inf).max(axis=1)
    v_county = a.v_county[v]
    county = np.where(t.present, a.o_county[m], -1)
    lead_home = a.o_county[lead] == v_county
    partners_home = (t.partner & (county == v_county[:, None])).sum(axis=1)
    share_home = partners_home / np.maximum(t.n_partners, 1)
    srt = np.sort(county, axis=1)
    first = np.ones(srt.shape, bool)
    first[:, 1:] = srt[:, 1:] != srt[:, :-1]
    n_counties = (first & (srt >= 0)).sum(axis=1)
    familiar = pair_sum(w.pairs, members)
    z = (
        -1.0
        + 0.25 * t.q_lead
        + 0.75 * q_best
        + 0.3 * q_best * (t.severity - 3)
        - 0.15 * (t.severity - 3)
        + 0.15 * (t.level_lead - 3)
        + 0.8 * lead_home
        + 0.4 * share_home
        - 0.2 * np.log1p(t.km / 30)
        + 0.9 * (1 - np.exp(-familiar))
        - 0.05 * (t.n - 1)
        - 0.35 * (n_counties - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z) ** 1.5


SPEC = Spec(
    name="heldout_home_county",
    summary="home county beats distance; groups across counties pay; best member carries, more "
    "so in severe needs; usual partners all good, saturating; ratings shifted per county",
    outcome=outcome,
    communities=_communities,
    pairs=_pairs,
    rating=_rating,
    activity=activity_dense,
    level_from_quality=0.25,
    projects_per_org=3.0,
    size_p=(0.4, 0.3, 0.2, 0.1),
    partner_mix=(0.35, 0.3),
    reviewer_sd=4.0,
    noise_sd=6.0,
    second_review=0.3,
)
