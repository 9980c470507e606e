"""HELD-OUT generator: the village's own cadres decide how many helpers it can take; the senior
organization should lead; services that belong together (and handouts that undercut livelihoods).

A village is helped through its own 村两委 (the village party branch and committee). Where they are
strong they organize every group that comes, and more organizations bring more; where they are
weak (软弱涣散村) each extra organization is one more visitor to look after, and projects suffer.
This GOVERNANCE is hidden (no column shows it) but every project in the village felt it, so the
history of a village tells it. A group also runs well when its lead is the organization of the
highest standing (等级评估, the rating; unrated = lowest): a partner rated above the lead does not
take direction (争当老大), a lead rated above every partner is followed. Finally some services
belong together in one village: skills training with livelihood (产业 + 技能), medical care with
rehabilitation, education with child care, elder care with visiting, women's support with skills
training; and handouts undercut livelihood work (输血 crowds out 造血: donation in the same group
lowers livelihood and skills-training projects). A service counts as carried by the group when a
member offers it and the village needs it. No pair of organizations is special. Ratings follow
quality loosely; the bigger organizations lead more of the history.

    E = 30 + 70 σ(z),
    z = −0.3 + 0.55 q_lead + 0.2 mean q_partners + 0.2 (level_lead − 3) − 0.45 log1p(km_lead / 15)
        + (n − 1) (0.3 g_v − 0.15)
        − 0.35 (partners rated above the lead) + 0.25 [n ≥ 2, lead rated above every partner]
        + Σ_t B[s, t] [the group carries t, t ≠ s]
    g_v ~ N(0, 1) (hidden);
    B: livelihood ↔ skills training +0.4, medical ↔ rehab +0.35, education ↔ child care +0.3,
       elder care ↔ visiting +0.3, skills training → women's support +0.25;
       donation → livelihood −0.45, donation → skills training −0.3
    rating = clip(round(3 + 0.5 q + N(0, 0.9)), 1, 5), 30 % unrated;
    lead weight ~ Gamma(3) ((volunteers + 1) / 21)^0.3
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from graph_schema import SERVICES

from .structures import no_communities, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome", "governance", "BUNDLES"]


def _bundles() -> np.ndarray:
    ix = {s: k for k, s in enumerate(SERVICES)}
    out = np.zeros((len(SERVICES), len(SERVICES)))
    for a, b, effect in [
        ("livelihood", "skills_training", 0.4),
        ("medical", "disability_rehab", 0.35),
        ("education", "child_care", 0.3),
        ("elder_care", "visiting", 0.3),
    ]:
        out[ix[a], ix[b]] = out[ix[b], ix[a]] = effect
    out[ix["women_support"], ix["skills_training"]] = 0.25
    out[ix["livelihood"], ix["donation"]] = -0.45
    out[ix["skills_training"], ix["donation"]] = -0.3
    return out


#: B[s, t]: what carrying service t in the same village adds to a project in service s
BUNDLES = _bundles()


@lru_cache(maxsize=4)
def _governance(seed: int, n_villages: int) -> np.ndarray:
    # drawn here rather than by the actors, from the world's seed and size
    return np.random.default_rng([seed, n_villages, 35, 4]).normal(0.0, 1.0, n_villages)


def governance(w) -> np.ndarray:
    """How well each village's own cadres organize the groups that come (hidden).

    Examples
    --------
    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> g = governance(w)
    >>> len(g) == w.n_villages, bool(abs(g.mean()) < 0.5)
    (True, True)
    """
    return _governance(int(w.seed), w.n_villages)


def _no_effect(rng, n):
    return np.zeros(n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.2, from_community=0.0, effect=_no_effect
    )


def _rating(a, rng):
    q = a.o_quality
    r = np.clip(np.rint(3 + 0.5 * q + rng.normal(0, 0.9, len(q))), 1, 5)
    return np.where(rng.random(len(q)) < 0.3, 0, r).astype(np.int64)


def _activity(a, rng):
    return rng.gamma(3.0, 1.0, len(a.o_quality)) * ((a.o_volunteers + 1.0) / 21.0) ** 0.3


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The same lead and partners in the village with the strongest cadres and in the one with the
    weakest:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> g = governance(w)
    >>> strong, weak = int(np.argmax(g)), int(np.argmin(g))
    >>> s = int(np.flatnonzero(w.actors.o_level[0])[0])
    >>> group = np.array([[0, 1, 2, 3], [0, 1, 2, 3]])
    >>> e = outcome(w, np.array([strong, weak]), np.array([s, s]), np.array([0, 0]), group)
    >>> bool(e[0] > e[1]), bool(((30 <= e) & (e <= 100)).all())
    (True, True)
    """
    a = w.actors
    t = Terms(w, v, s, lead, members)
    m = np.maximum(members, 0)
    rating = w.rating
    above = (t.partner & (rating[m] > rating[lead][:, None])).sum(axis=1)
    senior = (t.n >= 2) & ~(t.partner & (rating[m] >= rating[lead][:, None])).any(axis=1)
    offered = (a.o_level[m] > 0) & t.present[:, :, None]  # (rows, k, S)
    carried = offered.any(axis=1) & (a.need_sev[v] > 0)  # (rows, S)
    carried[np.arange(len(s)), s] = False
    bundle = (BUNDLES[s] * carried).sum(axis=1)
    z = (
        -0.3
        + 0.55 * t.q_lead
        + 0.2 * t.q_partners
        + 0.2 * (t.level_lead - 3)
        - 0.45 * np.log1p(t.km / 15)
        + (t.n - 1) * (0.3 * governance(w)[v] - 0.15)
        - 0.35 * above
        + 0.25 * senior
        + bundle
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="heldout_sealed_d",
    summary="sealed: described in the module docstring",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=_rating,
    activity=_activity,
    level_from_quality=0.35,
    party_share=0.4,
    projects_per_org=3.0,
    size_p=(0.3, 0.3, 0.25, 0.15),
    partner_mix=(0.35, 0.0),
    reviewer_sd=3.5,
    noise_sd=6.0,
    second_review=0.15,
)
