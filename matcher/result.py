"""What :func:`matcher.recommend` returns, typed end to end, in one JSON shape.

``RecommendationResult.to_dict()`` is the document of DATA_FORMAT.md's batch interface (with the
extra keys the contract allows); ``baotuan recommend`` writes it, the site keeps it for a run, the
API serves its parts, and ``RecommendationResult.from_dict()`` reads it back. ``from_dict`` also
reads results kept before this shape (a recommendation's groups under ``members``).

Examples
--------
>>> m = Member("O1", "lead", ["medical"], {"medical": 4}, 2.5, {"projects": 0}, "甲", "A")
>>> rec = Recommendation("V1", [m], [], 0.7, [], "推荐", "recommended")
>>> gone = Unserved("V2", "no_needs", "没有需求", "no needs")
>>> result = RecommendationResult([rec], {"villages": 2, "served": 1}, [gone])
>>> RecommendationResult.from_dict(result.to_dict()) == result
True
>>> result.to_dict()["recommendations"][0]["organizations"][0]["org_id"]
'O1'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from .errors import MatcherError

__all__ = [
    "Member",
    "Recommendation",
    "Unserved",
    "UNSERVED_REASONS",
    "CalibrationBin",
    "EvidenceBand",
    "Calibration",
    "RecommendationResult",
]

#: why a village without a partnership got no recommendation (DATA_FORMAT.md)
UNSERVED_REASONS = ("no_provider_in_reach", "capacity_taken", "no_needs")


def _need(data: dict[str, Any], key: str, where: str) -> Any:
    try:
        return data[key]
    except (KeyError, TypeError):
        raise MatcherError(f"{where}: the key {key!r} is missing") from None


@dataclass(frozen=True)
class Member:
    """One organization of a recommended group.

    ``facts`` holds the track record (``projects``, ``mean_score``), ``home_county`` (registered
    in the village's county; None when a county is unknown) and, per other member, ``shared``
    ``{org_id: {"projects": n, "reviewed": n, "mean_score": x or None}}``.
    """

    org_id: str
    role: str  # "lead" | "member"
    covers: list[str]
    levels: dict[str, int]
    distance_km: float
    facts: dict[str, Any]
    explanation: str
    explanation_en: str
    #: needs of the village it provides but does not lead: it supports their leads (then
    #: ``covers`` is empty and ``levels`` are those of these needs)
    supports: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The member as JSON (an ``organizations`` entry of the batch interface)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "member") -> Member:
        """A member from :meth:`to_dict`'s output (``covers`` and ``role`` are all it needs)."""
        return cls(
            org_id=str(_need(data, "org_id", where)),
            role=str(data.get("role") or "member"),
            covers=list(data.get("covers") or []),
            levels={str(k): int(v) for k, v in (data.get("levels") or {}).items()},
            distance_km=float(data.get("distance_km") or 0.0),
            facts=dict(data.get("facts") or {}),
            explanation=str(data.get("explanation") or ""),
            explanation_en=str(data.get("explanation_en") or ""),
            supports=list(data.get("supports") or []),
        )


@dataclass(frozen=True)
class Recommendation:
    """The group recommended for one village.

    ``uncertainty`` is the half-width of the predicted score's 80 % band (0..1, from the held-out
    residuals of groups with as much evidence), ``evidence`` what it was looked up by (mean
    reviewed projects per member plus reviewed joint projects of its pairs); ``check_by_hand``
    marks the run's most uncertain groups. All three are None/False without a learned model.
    """

    village_id: str
    members: list[Member]
    volunteers: list[str]
    score: float  # 0..1: severity-weighted predicted outcome over all the village's needs
    uncovered: list[str]
    explanation: str
    explanation_en: str
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    uncertainty: float | None = None
    evidence: float | None = None
    check_by_hand: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The record of DATA_FORMAT.md's batch interface (groups under ``organizations``)."""
        out = asdict(self)
        out["organizations"] = [m.to_dict() for m in self.members]
        del out["members"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recommendation:
        """A recommendation from :meth:`to_dict`'s output (or the older ``members`` shape)."""
        village = str(_need(data, "village_id", "recommendation"))
        where = f"recommendation of {village}"
        groups = data.get("organizations", data.get("members"))
        if groups is None:
            raise MatcherError(f"{where}: the key 'organizations' is missing")
        uncertainty, evidence = data.get("uncertainty"), data.get("evidence")
        return cls(
            village_id=village,
            members=[
                Member.from_dict(m, f"{where}, organization {i + 1}") for i, m in enumerate(groups)
            ],
            volunteers=[str(p) for p in data.get("volunteers") or []],
            score=float(data.get("score") or 0.0),
            uncovered=list(data.get("uncovered") or []),
            explanation=str(data.get("explanation") or ""),
            explanation_en=str(data.get("explanation_en") or ""),
            alternatives={str(k): list(v) for k, v in (data.get("alternatives") or {}).items()},
            uncertainty=None if uncertainty is None else float(uncertainty),
            evidence=None if evidence is None else float(evidence),
            check_by_hand=bool(data.get("check_by_hand", False)),
        )


@dataclass(frozen=True)
class Unserved:
    """A village without a partnership that got no recommendation, and why.

    ``reason`` is one of :data:`UNSERVED_REASONS`. ``providers`` lists the nearest organizations in
    reach that provide one of its needs: ``{"org_id", "km", "taken_by": [village ids of this run],
    "in_force": partnerships already in force}`` (who used their capacity).
    """

    village_id: str
    reason: str
    explanation: str
    explanation_en: str
    needs: list[str] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``unserved`` record of the batch interface."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unserved:
        """An unserved village from :meth:`to_dict`'s output."""
        village = str(_need(data, "village_id", "unserved"))
        reason = str(_need(data, "reason", f"unserved {village}"))
        if reason not in UNSERVED_REASONS:
            raise MatcherError(f"unserved {village}: unknown reason {reason!r}")
        return cls(
            village_id=village,
            reason=reason,
            explanation=str(data.get("explanation") or ""),
            explanation_en=str(data.get("explanation_en") or ""),
            needs=list(data.get("needs") or []),
            providers=[dict(p) for p in data.get("providers") or []],
        )


@dataclass(frozen=True)
class CalibrationBin:
    """Held-out projects whose predicted score (0..100) fell in ``[low, high)``."""

    low: float
    high: float
    count: int
    mean_predicted: float
    mean_reviewed: float


@dataclass(frozen=True)
class EvidenceBand:
    """Held-out projects whose group had ``low <= evidence < high`` (``high`` None: no upper end):
    how far off the predictions were.

    ``spread`` is half the width of the 10–90 % range of (reviewed − predicted), score points.
    """

    low: float
    high: float | None
    count: int
    mean_abs_error: float
    spread: float


@dataclass(frozen=True)
class Calibration:
    """Predicted against reviewed outcome on the held-out (latest) year of the time split."""

    test_year: int
    n_projects: int
    bins: list[CalibrationBin]
    bands: list[EvidenceBand]

    def to_dict(self) -> dict[str, Any]:
        """The calibration as JSON (a top-level ``calibration`` key of the result)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """A calibration from :meth:`to_dict`'s output."""
        return cls(
            test_year=int(_need(data, "test_year", "calibration")),
            n_projects=int(data.get("n_projects") or 0),
            bins=[CalibrationBin(**b) for b in data.get("bins") or []],
            bands=[EvidenceBand(**b) for b in data.get("bands") or []],
        )


@dataclass(frozen=True)
class RecommendationResult:
    """All recommendations (sorted by village id), the unserved villages, the run's summary, and
    the model's calibration (None without a learned model or a time split)."""

    recommendations: list[Recommendation]
    summary: dict[str, Any]
    unserved: list[Unserved] = field(default_factory=list)
    calibration: Calibration | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document ``baotuan recommend`` writes (DATA_FORMAT.md, "The batch interface")."""
        out: dict[str, Any] = {
            "recommendations": [r.to_dict() for r in self.recommendations],
            "unserved": [u.to_dict() for u in self.unserved],
            "summary": dict(self.summary),
        }
        if self.calibration is not None:
            out["calibration"] = self.calibration.to_dict()
        return out

    #: the contract's document is the one shape (kept as a name for callers of older code)
    to_contract_json = to_dict

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecommendationResult:
        """A result from :meth:`to_dict`'s output (a bad document raises :class:`MatcherError`)."""
        if not isinstance(data, dict):
            raise MatcherError("a recommendation result must be a JSON object")
        cal = data.get("calibration")
        return cls(
            recommendations=[
                Recommendation.from_dict(r) for r in data.get("recommendations") or []
            ],
            summary=dict(data.get("summary") or {}),
            unserved=[Unserved.from_dict(u) for u in data.get("unserved") or []],
            calibration=None if cal is None else Calibration.from_dict(cal),
        )

    def by_village(self) -> dict[str, Recommendation]:
        """The recommendations by village id (built once: the site asks on every page)."""
        return self._by_village

    @cached_property
    def _by_village(self) -> dict[str, Recommendation]:
        return {r.village_id: r for r in self.recommendations}
