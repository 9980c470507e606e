"""HELD-OUT generator: hands on the ground for the village's size; party branches in the poorest.

Free clinics, visits to the elderly and left-behind children, rehabilitation and the care of
left-behind women need people in the village, household by household; donations, study grants
and emergency money need far fewer. A group's MANPOWER is the sum over its members of the
volunteers each can spare for one village (its volunteers over its ``max_villages``), discounted
with distance (far volunteers come less often); what counts is manpower against the village's
workload (its population over 10: the villagers one volunteer can look after). Below a
threshold a project does not reach the households; above it, more hands add little (a Hill
curve). So a group must match its village: a large village needs several organizations, or
large ones, for labour-intensive services; in a small one, members beyond enough hands only cost.
In the poorest villages (hardship above the mean: the larger villages here) a lead with a party
branch does better (党建结对: the village branch and the first secretary open doors). No pair of
organizations is special; ratings follow quality; the history is of middling density.

    E = 30 + 70 σ(z),
    z = −0.7 + 0.5 q_lead + 0.2 mean q_partners + 0.15 (level_lead − 3) − 0.4 log1p(km_lead / 15)
        + 2.2 w_s · c³ / (c³ + 0.7³)
        + 0.6 [lead has a party branch] · max(hardship, 0) − 0.2 (n − 1)
    c = Σ_members volunteers / max_villages · exp(−km_member / 60) / (population / 10)
    w_s = 1 for elder care, child care, rehab, medical, visiting, women; 0.6 skills training;
          0.5 emergency relief; 0.4 education, livelihood; 0.2 donation
"""

from __future__ import annotations

import numpy as np

from graph_schema import SERVICES

from .structures import rating_informative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]

_LABOUR = {
    "elder_care": 1.0,
    "child_care": 1.0,
    "disability_rehab": 1.0,
    "medical": 1.0,
    "visiting": 1.0,
    "women_support": 1.0,
    "skills_training": 0.6,
    "emergency_relief": 0.5,
    "education": 0.4,
    "livelihood": 0.4,
    "donation": 0.2,
}
#: how much each service (in the order of graph_schema.SERVICES) needs hands in the village
LABOUR = np.array([_LABOUR[s] for s in SERVICES])
_THRESHOLD = 0.7
_PER_VOLUNTEER = 10.0  # villagers one volunteer can look after


def population(a) -> np.ndarray:
    """Village population, as the data folder shows it (``contract.to_dataset``)."""
    return np.rint(np.exp(6.5 + 0.4 * a.v_hardship))


def manpower(a) -> np.ndarray:
    """Volunteers an organization can spare for one village.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> bool((manpower(a) <= a.o_volunteers).all())
    True
    """
    return a.o_volunteers / np.maximum(a.o_capacity, 1)


def _no_effect(rng, n):
    return np.zeros(n)


def _communities(a, rng, knn):
    return np.full(len(a.o_lat), -1, np.int64)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.2, from_community=0.0, effect=_no_effect
    )


def _activity(a, rng):
    return rng.gamma(3.0, 1.0, len(a.o_quality)) * np.exp(0.15 * a.o_quality)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The same lead for a visiting project in the largest village, alone and with the three
    organizations that can spare the most volunteers (sitting next to it):

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = w.actors
    >>> s = SERVICES.index("visiting")
    >>> big = int(np.argmax(population(a)))
    >>> lead = int(np.flatnonzero(a.o_level[:, s])[0])
    >>> helpers = [int(o) for o in np.argsort(-manpower(a)) if o != lead][:3]
    >>> e = outcome(w, np.array([big, big]), np.array([s, s]), np.array([lead, lead]),
    ...             np.array([[lead, -1, -1, -1], [lead, *helpers]]))
    >>> bool(e[1] > e[0] + 5), bool(((30 <= e) & (e <= 100)).all())
    (True, True)
    """
    a = w.actors
    t = Terms(w, v, s, lead, members)
    m = np.maximum(members, 0)
    hands = manpower(a)
    on_site = np.where(t.partner, hands[m] * np.exp(-t.partner_km / 60.0), 0.0).sum(axis=1)
    on_site = on_site + hands[lead] * np.exp(-t.km / 60.0)
    c = on_site / (population(a)[v] / _PER_VOLUNTEER)
    reach = c**3 / (c**3 + _THRESHOLD**3)
    z = (
        -0.7
        + 0.5 * t.q_lead
        + 0.2 * t.q_partners
        + 0.15 * (t.level_lead - 3)
        - 0.4 * np.log1p(t.km / 15)
        + 2.2 * LABOUR[s] * reach
        + 0.6 * a.o_party[lead] * np.maximum(a.v_hardship[v], 0.0)
        - 0.2 * (t.n - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="heldout_sealed_a",
    summary="sealed: described in the module docstring",
    outcome=outcome,
    communities=_communities,
    pairs=_pairs,
    rating=rating_informative,
    activity=_activity,
    level_from_quality=0.4,
    party_share=0.4,
    projects_per_org=2.5,
    size_p=(0.35, 0.3, 0.22, 0.13),
    partner_mix=(0.35, 0.0),
    reviewer_sd=3.5,
    noise_sd=6.5,
    second_review=0.1,
)
