"""Who works well with whom, estimated jointly with who is good: one sparse ridge in model units.

:mod:`matcher.effects` estimates organization quality first and pair effects from what is left,
one after the other, in review points; the outcome model then weighs sums of them with a ridge.
Here the same questions are answered at once, as a linear mixed model would: the residual of every
reviewed project after its lead's own prediction (out of fold, in the outcome model's units) is
regressed on sparse blocks

- ``lead``: the organization that led it (what the lead's features missed);
- ``partner``: each partner, weighted 1 / (number of partners);
- ``pair``: each pair of its members that shared a reviewed project;
- ``community``: each pair inside one community of the co-participation graph, by community;
- ``size``: groups of 2, 3, 4 or more;
- ``party``: how many pairs of its members both have a party branch, and how many pairs have one
  member with a branch and one without (社会组织党委: organizations of one party committee may work
  better together; in the Tai'an sample a pair of one with and one without scored 0.9 points lower
  than a pair of two without, beyond members, distance, county and kind);
- ``kind``: how many pairs of its members are of two different kinds, by which two (a social
  group and a service agency, a social group and a foundation, a service agency and a foundation;
  pairs of one kind are the reference) — what a foundation's money and a service agency's
  workers may do together, read from the reviews like the party effects;
- ``roles``: how many kinds beyond the first its members are of (each kind may bring one role to a
  group — volunteers, social workers, money — counted once per group, however many members of a
  kind join; read pair by pair, a group of two associations and two agencies would be credited
  four times for what it holds once);
- ``repeat``: over the pairs of its members, how often each came back to work together
  (``log1p(projects together − 1)``, reviewed or not; :func:`repeated_work`) — pairs that keep
  choosing each other are the prior a pair's own effect is shrunk towards, so a pair with four
  joint projects, none reviewed, is not taken for strangers,

each block with its own ridge penalty: its random effect's variance ratio, estimated by the method
of moments (:func:`_penalties`). How well the blocks fitted on the older 80 % of the reviews
predict the newer 20 % is reported in the run summary (``mse_joint`` against ``mse_constant``); it
also chooses how much more than its moment estimate the pair block is shrunk
(:func:`_pair_shrinkage`, ``pair_penalty_multiplier``), the only thing tuned on it. A pair effect
is thus trusted in proportion to the evidence behind it and is not credited with what its members
bring alone. Only the pair, community, party, kind, roles and repeat
effects are used by the optimiser (:class:`matcher.scoring.Scorer`); the other blocks are there so
that they do not absorb who is good or how large the group was. The party and kind effects apply
to every pair, strangers too, and the repeat effect to every pair that came back, so a coefficient
fitted to noise would steer every team: each is kept only as far as the evidence bears it out,
multiplied by ``max(0, 1 - (2 / t)^2)`` for its t statistic (0 below t = 2; on the quality bench's
development worlds, which read neither party branches nor kinds, every party |t| < 2, and the kind
effects left the development rows unchanged, +0.001 ± 0.003 over twenty).

On the quality bench's development generators (city, 24 candidates) replacing the sequential pair
terms by these moved the normalized score from 0.77 / 0.25 / 1.03 to 0.82 / 0.36 / 1.03.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import lsqr

from .collaboration import History, members_matrix, pairs_of
from .effects import K_MAX, pseudo_count
from .snapshot import Snapshot

__all__ = [
    "JointEffects",
    "fit_joint_effects",
    "repeated_work",
    "evidence_fit",
    "kinds_beyond_first",
]

#: the size, party and repeat blocks are nearly unpenalized: few columns, plenty of evidence
SIZE_PENALTY = 0.1
#: the pair block's penalty is its moment estimate times the one of these that predicts the newer
#: reviews best (:func:`_pair_shrinkage`)
PAIR_PENALTY_MULTIPLIERS = (1.0, 2.0, 4.0, 8.0)
#: a party or repeat effect with a t statistic below this counts for nothing
#: (:func:`_evidence_factor`)
EVIDENCE_MIN_T = 2.0
_BLOCKS = ("lead", "partner", "pair", "community")
_PAIR = _BLOCKS.index("pair")
#: the pairs of two different kinds (indices into ``ORG_KINDS``): a pair of one kind is the reference
KIND_PAIRS = ((0, 1), (0, 2), (1, 2))


@dataclass
class JointEffects:
    """Pair and community effects in the outcome model's units (added on its link scale)."""

    n_orgs: int
    community: np.ndarray
    pair_keys: np.ndarray  # sorted ``min(a, b) · n_orgs + max(a, b)``
    pair_coef: np.ndarray
    community_coef: np.ndarray
    penalties: dict = field(default_factory=dict)
    holdout: dict = field(default_factory=dict)
    #: who has a party branch, and what a pair of two with one / of one with and one without adds
    party: np.ndarray | None = None
    party_coef: np.ndarray = field(default_factory=lambda: np.zeros(2))
    #: each organization's kind, and what a pair of two different kinds adds, by which two
    kind: np.ndarray | None = None
    kind_coef: np.ndarray = field(default_factory=lambda: np.zeros(len(KIND_PAIRS)))
    #: projects (reviewed or not) each pair took part in together, and what a return adds
    #: (per ``log1p`` of the returns, :func:`repeated_work`)
    coworkers: sparse.csr_matrix | None = None
    repeat_coef: float = 0.0
    #: what each kind beyond the first among a group's members adds, once per group
    #: (:func:`kinds_beyond_first`)
    roles_coef: float = 0.0

    def pair_term(self, a, b) -> np.ndarray:
        """What having both ``a`` and ``b`` in a group adds (0 for strangers of two communities)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        if len(a) == 0:
            return np.zeros(0)
        key = np.minimum(a, b) * self.n_orgs + np.maximum(a, b)
        out = np.zeros(len(a))
        if len(self.pair_keys):
            pos = np.minimum(np.searchsorted(self.pair_keys, key), len(self.pair_keys) - 1)
            hit = self.pair_keys[pos] == key
            out[hit] = self.pair_coef[pos[hit]]
        ca, cb = self.community[a], self.community[b]
        same = (ca == cb) & (ca < len(self.community_coef))
        out[same] += self.community_coef[ca[same]]
        if self.party is not None:
            pa, pb = self.party[a], self.party[b]
            out += self.party_coef[0] * (pa & pb) + self.party_coef[1] * (pa != pb)
        if self.kind is not None and np.any(self.kind_coef):
            out += kind_pairs(self.kind[a], self.kind[b]) @ self.kind_coef
        if self.coworkers is not None and self.repeat_coef != 0.0:
            out += self.repeat_coef * repeated_work(self.coworkers, a, b)
        return out

    def proven(self, a, b) -> np.ndarray:
        """Whether ``a`` and ``b`` shared reviewed projects and did better together than alone."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        out = np.zeros(len(a), bool)
        if len(a) and len(self.pair_keys):
            key = np.minimum(a, b) * self.n_orgs + np.maximum(a, b)
            pos = np.minimum(np.searchsorted(self.pair_keys, key), len(self.pair_keys) - 1)
            out = (self.pair_keys[pos] == key) & (self.pair_coef[pos] > 0)
        return out

    def summary(self) -> dict:
        """Chosen penalties and the time split's mean squared errors (for the run summary)."""
        party = {"party_coef": [round(float(c), 4) for c in self.party_coef]}
        repeat = {"repeat_coef": round(float(self.repeat_coef), 4)}
        kind = {"kind_coef": [round(float(c), 4) for c in self.kind_coef]}
        roles = {"roles_coef": round(float(self.roles_coef), 4)}
        extra = {**party, **kind, **roles, **repeat}
        return {"penalties": dict(self.penalties), **self.holdout, **extra}


def kinds_beyond_first(kind: np.ndarray, members: np.ndarray) -> np.ndarray:
    """How many different kinds each group's members are of, less one (a row, padded with -1).

    Examples
    --------
    >>> kinds_beyond_first(np.array([0, 0, 1, 2]), np.array([[0, 1, -1], [0, 2, 3], [3, -1, -1]]))
    array([0, 2, 0])
    """
    k = np.where(members >= 0, np.asarray(kind)[np.maximum(members, 0)], -1)
    held = [(k == c).any(axis=1) for c in range(int(np.max(kind, initial=0)) + 1)]
    return np.maximum(np.sum(held, axis=0) - 1, 0)


def kind_pairs(ka, kb) -> np.ndarray:
    """One row per pair, one column per :data:`KIND_PAIRS`: 1 where the pair is of those two kinds.

    Examples
    --------
    >>> kind_pairs(np.array([0, 2, 1]), np.array([1, 0, 1])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    lo, hi = np.minimum(ka, kb), np.maximum(ka, kb)
    return np.column_stack([(lo == i) & (hi == j) for i, j in KIND_PAIRS]).astype(float)


def repeated_work(coworkers: sparse.csr_matrix, a, b) -> np.ndarray:
    """``log1p(projects together − 1)``: how often a pair came back to work together (0: never, once).

    Organizations that chose each other again and again: whether such pairs did better than pairs
    that met once is what the joint fit reads from the reviews (a revealed preference, sign and size
    learnt). The same function of the pair's count in the whole history serves the reviewed
    projects the fit is made on and the teams it values, so strangers and pairs that met once get 0.

    Examples
    --------
    >>> c = sparse.csr_matrix(np.array([[0, 1, 3], [1, 0, 0], [3, 0, 0]]))
    >>> repeated_work(c, [0, 0, 1], [1, 2, 2]).round(3).tolist()
    [0.0, 1.099, 0.0]
    >>> repeated_work(c, [], []).tolist()
    []
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if len(a) == 0:  # scipy answers an empty selection with a sparse matrix
        return np.zeros(0)
    together = np.asarray(coworkers[a, b]).ravel()
    return np.log1p(np.maximum(together - 1.0, 0.0))


def _design(snap: Snapshot, hist: History, rows: np.ndarray, pair_keys: np.ndarray):
    n, n_comm = snap.n_orgs, int(hist.community.max(initial=0)) + 1
    members = members_matrix(snap.proj_members[rows])
    lead = snap.proj_lead[rows]
    size = (members >= 0).sum(axis=1)
    count = len(rows)
    lead_block = sparse.csr_matrix((np.ones(count), (np.arange(count), lead)), shape=(count, n))
    r, c = np.nonzero((members >= 0) & (members != lead[:, None]))
    weight = 1.0 / np.maximum(size[r] - 1, 1)
    partner_block = sparse.csr_matrix((weight, (r, members[r, c])), shape=(count, n))
    pr, a, b = pairs_of(members)
    key = np.minimum(a, b) * n + np.maximum(a, b)
    pos = np.searchsorted(pair_keys, key)
    pair_block = sparse.csr_matrix((np.ones(len(pr)), (pr, pos)), shape=(count, len(pair_keys)))
    same = hist.community[a] == hist.community[b]
    comm_block = sparse.csr_matrix(
        (np.ones(int(same.sum())), (pr[same], hist.community[a][same])), shape=(count, n_comm)
    )
    sizes = np.column_stack([size == 2, size == 3, size >= 4]).astype(float)
    party = snap.o_party if snap.o_party is not None else np.zeros(n, bool)
    kinds = (party[a] & party[b], party[a] != party[b])
    party_block = np.column_stack([np.bincount(pr, k.astype(float), count) for k in kinds])
    repeat = np.bincount(pr, repeated_work(hist.coworkers, a, b), count)[:, None]
    mixed = kind_pairs(snap.o_kind[a], snap.o_kind[b])
    kind_block = np.column_stack([np.bincount(pr, c, count) for c in mixed.T])
    roles = kinds_beyond_first(snap.o_kind, members).astype(float)[:, None]
    return [
        lead_block,
        partner_block,
        pair_block,
        comm_block,
        sparse.csr_matrix(sizes),
        sparse.csr_matrix(party_block),
        sparse.csr_matrix(repeat),
        sparse.csr_matrix(kind_block),
        sparse.csr_matrix(roles),
    ]


def _penalties(blocks, y: np.ndarray) -> list[float]:
    """Each block's ridge penalty: its random effect's variance ratio σ² / τ² (method of moments).

    A ridge penalty of σ² / τ² on an effect whose values spread with variance τ², in noise of
    variance σ², is what the mixed model's best linear unbiased predictor uses; the ratio is the
    pseudo-count of :func:`matcher.effects.pseudo_count` over the rows each column touches.
    """
    out = []
    for block in blocks[: len(_BLOCKS)]:
        coo = block.tocoo()
        if coo.nnz < 2:
            out.append(K_MAX)
            continue
        out.append(pseudo_count(coo.col, y[coo.row], default=K_MAX))
    return out


def _pair_shrinkage(blocks, y: np.ndarray, penalties, old: np.ndarray, new: np.ndarray):
    """``(multiplier of the pair penalty, mean squared error)``: of
    :data:`PAIR_PENALTY_MULTIPLIERS`, the one whose blocks, fitted on the ``old`` reviews, predict
    the ``new`` ones best — a stronger shrinkage only where it predicts them better than the
    moment estimate's by more than the standard error of that difference.

    The pair block's moment estimate reads how far pairs' residuals spread, but not whether a
    pair's record lasts; the optimiser picks the pairs credited most, and so picks exactly those
    overstated (bench/results/pick-errors.md). Whether the records carry to the newer reviews is
    the test of how far to trust them; a handful of newer reviews cannot say, and the moment
    estimate stands.
    """
    y_old, y_new = y[old] - y[old].mean(), y[new] - y[old].mean()
    old_blocks, new_blocks = [blk[old] for blk in blocks], [blk[new] for blk in blocks]
    errors = []
    for mult in PAIR_PENALTY_MULTIPLIERS:
        pen = list(penalties)
        pen[_PAIR] *= mult
        coef = _solve(old_blocks, y_old, pen)
        errors.append((y_new - _predict(new_blocks, coef)) ** 2)
    best, best_gain = 0, 0.0
    for i in range(1, len(errors)):
        gain = errors[0] - errors[i]
        se = float(gain.std(ddof=1) / np.sqrt(len(gain))) if len(gain) > 1 else np.inf
        if gain.mean() > max(se, best_gain):
            best, best_gain = i, float(gain.mean())
    return PAIR_PENALTY_MULTIPLIERS[best], float(errors[best].mean())


def _solve(blocks, y: np.ndarray, penalties) -> list[np.ndarray]:
    """Ridge with one penalty per block: columns scaled by 1/√λ, then one damped least squares."""
    scale = np.concatenate(
        [np.full(b.shape[1], 1.0 / np.sqrt(lam)) for b, lam in zip(blocks, penalties, strict=True)]
    )
    design = sparse.hstack(blocks).tocsr() @ sparse.diags(scale)
    coef = lsqr(design, y, damp=1.0, atol=1e-6, btol=1e-6, iter_lim=2000)[0] * scale
    return np.split(coef, np.cumsum([b.shape[1] for b in blocks])[:-1])


def _predict(blocks, coef) -> np.ndarray:
    return sum(b @ c for b, c in zip(blocks, coef, strict=True))


def evidence_fit(block: np.ndarray, sizes: np.ndarray, y: np.ndarray):
    """Coefficients of ``block``'s columns and how far to keep each: ``max(0, 1 - (2 / t)^2)``.

    ``t`` is the column's t statistic in an ordinary least-squares fit of ``y`` on the block's
    columns, the group-size indicators ``sizes`` and a constant (0 below
    :data:`EVIDENCE_MIN_T`). Not in the joint fit: there the thousands of organization and pair
    columns soak up part of the noise, and t statistics computed from what they leave were above 2
    on worlds without any party effect.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 3, (2000, 2)).astype(float)
    >>> y = -0.3 * x[:, 1] + rng.normal(0, 1, 2000)
    >>> beta, keep = evidence_fit(x, np.zeros((2000, 0)), y)
    >>> keep.round(2).tolist(), round(float(beta[1]), 1)
    ([0.0, 0.97], -0.3)
    """
    k = block.shape[1]
    x = np.column_stack([block, sizes, np.ones(len(y))])
    if len(y) <= x.shape[1] + 1:
        return np.zeros(k), np.zeros(k)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    var = float(resid @ resid) / (len(y) - x.shape[1])
    se = np.sqrt(np.maximum(var * np.diag(np.linalg.pinv(x.T @ x))[:k], 1e-300))
    t = np.abs(beta[:k]) / se
    with np.errstate(divide="ignore"):
        keep = np.where(t > EVIDENCE_MIN_T, 1.0 - (EVIDENCE_MIN_T / t) ** 2, 0.0)
    return beta[:k], keep


def _roles_identified(blocks) -> bool:
    """Whether the history tells kinds once per group from kinds pair by pair.

    In a history of pairs only, a group's kinds beyond the first are the sum of its pairs of two
    kinds: the two readings are one, and the pairs (which say which two kinds) are kept.
    """
    ones = sparse.csr_matrix(np.ones((blocks[4].shape[0], 1)))
    x = sparse.hstack([blocks[7], blocks[8], blocks[4], ones]).tocsc()
    gram = (x.T @ x).toarray()  # 8 × 8: the rank of the columns without a dense copy of the rows
    roles = len(KIND_PAIRS)  # the roles column follows the kind pairs
    without = np.delete(np.delete(gram, roles, axis=0), roles, axis=1)
    return bool(np.linalg.matrix_rank(gram) == np.linalg.matrix_rank(without) + 1)


def _evidence_factor(block: np.ndarray, sizes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How far to keep each column of ``block`` (:func:`evidence_fit`)."""
    return evidence_fit(block, sizes, y)[1]


def fit_joint_effects(
    snap: Snapshot, hist: History, rows: np.ndarray, residual: np.ndarray
) -> JointEffects:
    """Fit the blocks on ``residual`` (model units) of reviewed projects ``rows``.

    Examples
    --------
    Two organizations that score well only together:

    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in "ABCD"]
    >>> teams = [["A", "B"], ["A", "C"], ["B", "D"], ["C", "D"]] * 6
    >>> projects = [(f"J{i}", "medical", t, "V1", 0.0, f"{2000 + i}-06-30")
    ...     for i, t in enumerate(teams)]
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], orgs,
    ...     projects=projects))
    >>> hist = History(snap)
    >>> team = members_matrix(snap.proj_members)  # the snapshot's own order of the projects
    >>> together = team.sum(axis=1) == 0 + 1  # A (0) with B (1): they did well
    >>> residual = np.where(together, 1.0, -0.2) + np.random.default_rng(0).normal(0, 0.2, 24)
    >>> joint = fit_joint_effects(snap, hist, np.arange(len(teams)), residual)
    >>> bool(joint.pair_term([0], [1])[0] > 0.2 > 0 > joint.pair_term([2], [3])[0])
    True
    """
    rows = np.asarray(rows, dtype=np.int64)
    y = np.asarray(residual, dtype=float) - float(np.mean(residual)) if len(rows) else np.zeros(0)
    members = members_matrix(snap.proj_members[rows])
    _, a, b = pairs_of(members)
    pair_keys = np.unique(np.minimum(a, b) * snap.n_orgs + np.maximum(a, b))
    blocks = _design(snap, hist, rows, pair_keys)
    if not _roles_identified(blocks):
        blocks[8] = sparse.csr_matrix(blocks[8].shape)
    penalties = _penalties(blocks, y) + [SIZE_PENALTY] * 5
    holdout: dict = {}
    t = snap.proj_t[rows]
    cut = np.quantile(t, 0.8) if len(t) else 0.0
    old, new = t < cut, t >= cut
    if old.sum() >= 20 and new.sum() >= 5:
        # how much the blocks predict newer reviews from older ones, at each strength of the
        # pairs' shrinkage; the one that predicts them best is kept (_pair_shrinkage)
        mult, mse = _pair_shrinkage(blocks, y, penalties, old, new)
        penalties[_PAIR] *= mult
        holdout["mse_constant"] = round(float(np.mean((y[new] - y[old].mean()) ** 2)), 4)
        holdout["mse_joint"] = round(mse, 4)
        holdout["pair_penalty_multiplier"] = mult
    coef = _solve(blocks, y, penalties) if len(rows) else [np.zeros(b.shape[1]) for b in blocks]
    party_coef = coef[5] * _evidence_factor(blocks[5].toarray(), blocks[4].toarray(), y)
    repeat_coef = float(
        coef[6][0] * _evidence_factor(blocks[6].toarray(), blocks[4].toarray(), y)[0]
    )
    # kinds read pair by pair and once per group compete in one fit: each is kept as far as the
    # evidence bears it out beside the other
    kinds = np.column_stack([blocks[7].toarray(), blocks[8].toarray()])
    keep = _evidence_factor(kinds, blocks[4].toarray(), y)
    kind_coef = coef[7] * keep[: len(KIND_PAIRS)]
    roles_coef = float(coef[8][0] * keep[-1])
    return JointEffects(
        snap.n_orgs,
        hist.community,
        pair_keys,
        coef[2],
        coef[3],
        dict(zip(_BLOCKS, penalties, strict=False)),
        holdout,
        party=snap.o_party,
        party_coef=party_coef,
        kind=snap.o_kind,
        kind_coef=kind_coef,
        coworkers=hist.coworkers,
        repeat_coef=repeat_coef,
        roles_coef=roles_coef,
    )
