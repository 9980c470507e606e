"""A ground-truth world: actors, hidden communities and pair effects, history, and its Dataset.

A generator is a :class:`Spec`: which structure the hidden truth has (who works well with whom, how
effects combine, how reviews are drawn, how dense the history is) and its outcome model,
``outcome(world, v, s, lead, members) -> expected review score`` (vectorised; ``members`` is the
whole group, padded with -1, the lead included). The history's review scores are drawn from it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from .actors import Actors, make_actors
from .effects import PairTable, group_size, km

__all__ = ["Spec", "World", "Terms", "build_world", "unit_xyz", "FLOOR", "SEED_OFFSETS"]

#: the score floor: a poor project still scores about this much
FLOOR = 30.0
#: added to the seed per scale, so the city and the province of one seed are unrelated draws
SEED_OFFSETS = {"tiny": 0, "city": 1_000, "province": 2_000}


def unit_xyz(lat, lon) -> np.ndarray:
    """Points on the unit sphere (for nearest-neighbour trees).

    Examples
    --------
    >>> unit_xyz(np.array([0.0]), np.array([90.0])).round(3).tolist()
    [[0.0, 1.0, 0.0]]
    """
    p, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)])


@dataclass(frozen=True)
class Spec:
    """One ground-truth generator: its hidden structure and outcome model.

    The callables must be module-level functions (worlds are pickled with their spec).
    """

    name: str
    summary: str
    outcome: Callable[..., np.ndarray]
    communities: Callable[..., np.ndarray]  # (actors, rng, knn) -> label per org, -1 none
    pairs: Callable[..., PairTable]  # (actors, rng, knn, communities) -> pair effects
    rating: Callable[..., np.ndarray]  # (actors, rng) -> 0..5 per org
    activity: Callable[..., np.ndarray]  # (actors, rng) -> weight of leading a project
    quality: Callable[..., np.ndarray] | None = None  # (rng, n) -> hidden quality
    level_from_quality: float = 0.5
    party_share: float = 0.4
    projects_per_org: float = 2.0
    size_p: tuple[float, float, float, float] = (0.4, 0.3, 0.2, 0.1)
    partner_mix: tuple[float, float] = (0.4, 0.3)  # P(a usual partner), P(community); else near
    reviewer_sd: float = 3.0  # lenient / strict reviewers: bias ~ N(0, sd)
    noise_sd: float = 6.0
    second_review: float = 0.1
    params: dict = field(default_factory=dict)


@dataclass
class World:
    """A generated world with its hidden truth; ``dataset`` is what the matcher sees."""

    spec: Spec
    scale: str
    seed: int
    actors: Actors
    communities: np.ndarray
    pairs: PairTable
    rating: np.ndarray
    partnership_v: np.ndarray
    partnership_o: np.ndarray
    dataset: object = None  # graph_schema.Dataset
    history: dict = field(default_factory=dict)  # projects as arrays (hidden E included)
    floor: float = FLOOR

    @property
    def n_villages(self) -> int:
        return len(self.actors.v_lat)

    @property
    def n_orgs(self) -> int:
        return len(self.actors.o_lat)

    def expected(self, v, s, lead, members) -> np.ndarray:
        """True expected review score of projects (village, service, lead, whole group)."""
        e = self.spec.outcome(self, np.asarray(v), np.asarray(s), np.asarray(lead), members)
        return np.clip(e, self.floor, 100.0)


class Terms:
    """What most outcome models read about a batch of projects, computed once."""

    def __init__(self, w: World, v, s, lead, members):
        a = w.actors
        self.v, self.s, self.lead, self.members = v, s, lead, members
        self.present = members >= 0
        self.partner = self.present & (members != lead[:, None])
        m = np.maximum(members, 0)
        self.n = group_size(members)
        self.n_partners = self.partner.sum(axis=1)
        self.km = km(a.v_lat[v], a.v_lon[v], a.o_lat[lead], a.o_lon[lead])
        self.q_lead = a.o_quality[lead]
        q = np.where(self.partner, a.o_quality[m], 0.0)
        self.q_partners = q.sum(axis=1) / np.maximum(self.n_partners, 1)
        self.q_members = np.where(self.present, a.o_quality[m], 0.0).sum(axis=1) / self.n
        self.level_lead = a.o_level[lead, s].astype(float)
        lv = np.where(self.partner, a.o_level[m, s[:, None]], 0).astype(float)
        # a partner who does not offer the service still helps a little (level 1)
        lv = np.where(self.partner, np.maximum(lv, 1.0), 0.0)
        self.level_partners = lv.sum(axis=1) / np.maximum(self.n_partners, 1)
        self.severity = a.need_sev[v, s].astype(float)
        self.partner_km = np.where(
            self.partner,
            km(a.v_lat[v][:, None], a.v_lon[v][:, None], a.o_lat[m], a.o_lon[m]),
            0.0,
        )


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def build_world(spec: Spec, scale: str, seed: int) -> World:
    """Draw a world of ``scale`` from ``spec`` (same spec, scale and seed: same world).

    Examples
    --------
    >>> from bench.quality import spec
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> w.dataset.counts()["villages"], len(w.history["lead"]) > 0
    (60, True)
    """
    from .contract import to_dataset
    from .history import make_history, make_partnerships

    rng = np.random.default_rng([seed, SEED_OFFSETS.get(scale, 0), _stable_hash(spec.name)])
    actors = make_actors(
        scale,
        rng,
        quality=spec.quality,
        level_from_quality=spec.level_from_quality,
        party_share=spec.party_share,
    )
    xyz = unit_xyz(actors.o_lat, actors.o_lon)
    _, knn = cKDTree(xyz).query(xyz, k=min(21, len(xyz)))
    communities = spec.communities(actors, rng, knn)
    pairs = spec.pairs(actors, rng, knn, communities)
    rating = spec.rating(actors, rng)
    world = World(spec, scale, seed, actors, communities, pairs, rating, *([np.zeros(0, int)] * 2))
    world.partnership_v, world.partnership_o = make_partnerships(world, rng)
    world.history = make_history(world, rng, knn)
    world.dataset = to_dataset(world)
    return world


def _stable_hash(name: str) -> int:
    return zlib.crc32(name.encode())  # not hash(): that one changes from run to run


sigmoid = _sigmoid
