"""What a partner's registered traits say it brings to a group, as far as the reviews bear it out.

The outcome model reads a partner through its *review-based* quality only (``partner_quality``,
:mod:`matcher.features`), so a partner with one or two reviews — or none — counts as average even
when everything registered about it says otherwise. Every data folder holds such traits, known
before any review (``organizations.csv``, ``capabilities.csv``):

- ``rating``: the evaluation grade (0..5, 5 = 5A; 0 also when unrated);
- ``mean_level``: its mean capability level over all the services it offers;
- ``log_volunteers``: ``log1p`` of its volunteer head count;
- ``largest``: among the largest 5 % by volunteers (枢纽型社会组织, hub organizations, may lift a
  group by their reach rather than in proportion to their size).

For each reviewed project with partners, the mean of each of the first three traits over the
lead's partners, less its mean over all past partners, and whether *any* partner is among the
largest, less the share of past groups with one, are regressed by ordinary least squares on the
project's residual after its lead's own prediction (the outcome model's out-of-fold residual,
model units), with the group-size indicators. Each coefficient is kept only as far as its t
statistic bears it out (:func:`matcher.pair_effects.evidence_fit`, as for party branches and
kinds): a trait the reviews say nothing about changes nothing. What a candidate adds as a partner
is then ``Σ coef · (trait − past partners' mean)`` over the three, added to its member term
(:class:`matcher.teams.TeamInputs` ``quality``), whose mean over a need's partners the optimiser
takes; one of the largest lifts the need's score once (``TeamTerms.once_coef``), however many of
them join — the same forms as the fit, so a team whose partners are like the past's average
partners gets nothing beyond its size term. As a mean, a hub's lift was diluted by every other
partner (a third of it in a group of four), and two hubs counted twice: on the development world
whose hidden hubs lift a group once and clash in pairs, the mean form moved the bench +0.05 / +0.00
/ −0.10 / +0.04, the once-per-group form +0.18 / +0.07 / +0.02 / +0.13 (four seeds).

One more column is not a registered trait of the organization alone: ``service_level``, a
partner's capability level in the project's *own* service (0 when it does not offer it), averaged
over the project's partners less its mean over all past partners, fitted and kept in the same
regression. A candidate adds ``coef · (level − mean)`` as a partner of each need by its level in
that need's service (:meth:`PartnerTraits.service_lift`, ``TeamInputs.service_lift``). On the
Tai'an sample (the outside evaluator's generator) it is kept at +0.075 a level (evidence 0.91)
while every registered trait is 0; on the quality bench, whose generators do not read it, it is
neutral (docs/matcher.md, *Partners capable in the need's own service*).

On the quality bench (city) the development rows rose 0.767 → 0.787 (four seeds; hub brokers
+0.02 … +0.18) and the held-out rows 0.688 → 0.707 (seeds 0 / 1, 10 of 14 up); with the first,
mean-only form the province's held-out rows rose +0.023 ± 0.010 (sealed a +0.07, sealed b +0.05):
docs/matcher.md, *What partners' registered traits say*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .collaboration import members_matrix
from .pair_effects import evidence_fit
from .snapshot import Snapshot

__all__ = ["TRAITS", "SERVICE_LEVEL", "PartnerTraits", "trait_matrix", "fit_partner_traits"]

TRAITS = ("rating", "mean_level", "log_volunteers", "largest")
#: the partners' capability level in the project's own service (0: not offered), a mean over a
#: need's partners: not a registered trait of the organization alone, so kept apart from TRAITS
SERVICE_LEVEL = "service_level"
#: the traits averaged over a need's partners; the others count once per group (any partner)
MEAN_TRAITS = 3
#: the organizations with at least this quantile of volunteers are the ``largest``
LARGEST_QUANTILE = 0.95


def trait_matrix(snap: Snapshot) -> np.ndarray:
    """(organizations, :data:`TRAITS`) float array of every organization's registered traits.

    Examples
    --------
    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})],
    ...     [("A", 36.0, 117.1, 1, {"medical": 4, "visiting": 2})]))
    >>> trait_matrix(snap).round(2).tolist()
    [[3.0, 3.0, 0.0, 0.0]]
    """
    vol = np.asarray(snap.o_volunteers, dtype=float)
    cut = np.quantile(vol, LARGEST_QUANTILE) if len(vol) else 0.0
    largest = (vol >= cut) & (vol > 0)
    return np.column_stack(
        [
            np.asarray(snap.o_rating, dtype=float),
            np.asarray(snap.o_mean_level, dtype=float),
            np.log1p(vol),
            largest.astype(float),
        ]
    )


@dataclass
class PartnerTraits:
    """Kept coefficients (model units per unit of trait) and the past partners' mean traits (for
    ``largest``: the share of past groups with such a partner)."""

    traits: np.ndarray  # (organizations, TRAITS)
    coef: np.ndarray = field(default_factory=lambda: np.zeros(len(TRAITS)))
    mean: np.ndarray = field(default_factory=lambda: np.zeros(len(TRAITS)))
    #: the least-squares coefficients before the evidence factor, and the factor
    raw: np.ndarray = field(default_factory=lambda: np.zeros(len(TRAITS)))
    keep: np.ndarray = field(default_factory=lambda: np.zeros(len(TRAITS)))
    #: what a partner's capability level in the need's own service adds (model units a level, as
    #: far as the evidence bears it out), the past partners' mean level in their project's service,
    #: and the coefficient before the evidence factor and the factor
    service_level_coef: float = 0.0
    service_level_mean: float = 0.0
    service_level_raw: float = 0.0
    service_level_keep: float = 0.0

    def lifts(self, orgs) -> np.ndarray:
        """(orgs, :data:`TRAITS`): what each trait of each of ``orgs`` adds (model units)."""
        orgs = np.asarray(orgs, dtype=np.int64)
        return (self.traits[orgs] - self.mean) * self.coef

    def member_term(self, orgs) -> np.ndarray:
        """What each of ``orgs`` adds as a partner by its averaged traits (model units)."""
        return self.lifts(orgs)[:, :MEAN_TRAITS].sum(axis=1)

    def service_lift(self, level) -> np.ndarray:
        """What a partner of capability ``level`` in a need's service (0: does not offer it) adds
        to that need's score (model units)."""
        return self.service_level_coef * (np.asarray(level, dtype=float) - self.service_level_mean)

    def flag(self, orgs) -> np.ndarray:
        """1 for each of ``orgs`` that counts once per group (among the largest), else 0."""
        return self.traits[np.asarray(orgs, dtype=np.int64), MEAN_TRAITS]

    @property
    def once_coef(self) -> float:
        """What a group gains once when any partner is among the largest (model units)."""
        return float(self.coef[MEAN_TRAITS])

    @property
    def once_mean(self) -> float:
        """The share of past groups with a partner among the largest."""
        return float(self.mean[MEAN_TRAITS])

    def summary(self) -> dict:
        """Kept coefficient of each trait, and the evidence factor behind it (run summary)."""
        coef = {t: round(float(c), 4) for t, c in zip(TRAITS, self.coef, strict=True)}
        keep = {t: round(float(k), 3) for t, k in zip(TRAITS, self.keep, strict=True)}
        coef[SERVICE_LEVEL] = round(self.service_level_coef, 4)
        keep[SERVICE_LEVEL] = round(self.service_level_keep, 3)
        return {"coef": coef, "evidence": keep}


def fit_partner_traits(snap: Snapshot, rows: np.ndarray, residual: np.ndarray) -> PartnerTraits:
    """Fit the traits' coefficients on ``residual`` (model units) of reviewed projects ``rows``.

    Examples
    --------
    Partners rated higher lifted their groups:

    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> rng = np.random.default_rng(0)
    >>> names = [f"O{i}" for i in range(20)]
    >>> ratings = {o: int(rng.integers(1, 6)) for o in names}
    >>> orgs = [(o, 36.0, 117.0, 1, {"medical": 3}) for o in names]
    >>> teams = [list(rng.choice(names, 2, replace=False)) for _ in range(300)]
    >>> projects = [(f"J{i}", "medical", t, "V1", 50.0, f"{2000 + i // 30}-06-30")
    ...     for i, t in enumerate(teams)]
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], orgs,
    ...     projects=projects, ratings=ratings))
    >>> partner = members_matrix(snap.proj_members)
    >>> partner = np.where(partner == snap.proj_lead[:, None], -1, partner).max(axis=1)
    >>> residual = 0.2 * snap.o_rating[partner] + rng.normal(0, 0.3, len(teams))
    >>> fit = fit_partner_traits(snap, np.arange(len(teams)), residual)
    >>> round(float(fit.coef[0]), 1), fit.summary()["evidence"]["largest"]
    (0.2, 0.0)
    """
    traits = trait_matrix(snap)
    out = PartnerTraits(traits)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return out
    members = members_matrix(snap.proj_members[rows])
    lead = snap.proj_lead[rows]
    partner = (members >= 0) & (members != lead[:, None])
    n_partners = partner.sum(axis=1)
    grouped = n_partners > 0
    if grouped.sum() <= len(TRAITS) + 4:
        return out
    members, partner, n_partners = members[grouped], partner[grouped], n_partners[grouped]
    service = snap.proj_s[rows][grouped]
    r, c = np.nonzero(partner)
    level = np.zeros(partner.shape)
    level[r, c] = snap.level_of(members[r, c], service[r])
    k = MEAN_TRAITS
    held = np.where(partner[:, :, None], traits[np.maximum(members, 0)], 0.0)
    # the mean trait over each project's partners, less the past partners' mean; and whether any
    # partner has a once-per-group trait, less the share of past groups where one did
    out.mean = np.concatenate(
        [traits[members[partner], :k].mean(axis=0), held[:, :, k:].max(axis=1).mean(axis=0)]
    )
    out.service_level_mean = float(level[partner].mean())
    block = np.column_stack(
        [
            (held[:, :, :k].sum(axis=1) - n_partners[:, None] * out.mean[:k]) / n_partners[:, None],
            held[:, :, k:].max(axis=1) - out.mean[k:],
            level.sum(axis=1) / n_partners - out.service_level_mean,
        ]
    )
    size = n_partners + 1
    sizes = np.column_stack([size == 3, size >= 4]).astype(float)
    y = np.asarray(residual, dtype=float)[grouped]
    raw, keep = evidence_fit(block, sizes, y)
    out.raw, out.keep = raw[: len(TRAITS)], keep[: len(TRAITS)]
    out.coef = out.raw * out.keep
    out.service_level_raw, out.service_level_keep = float(raw[-1]), float(keep[-1])
    out.service_level_coef = out.service_level_raw * out.service_level_keep
    return out
