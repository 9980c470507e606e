"""What :func:`matcher.recommend` returns: recommendations with explanations, and a summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Member", "Recommendation", "RecommendationResult"]


@dataclass(frozen=True)
class Member:
    """One organization of a recommended group.

    ``facts`` holds the track record (``projects``, ``mean_score``) and, per other member,
    ``shared`` ``{org_id: {"projects": n, "reviewed": n, "mean_score": x or None}}``.
    """

    org_id: str
    role: str  # "lead" | "member"
    covers: list[str]
    levels: dict[str, int]
    distance_km: float
    facts: dict[str, Any]
    explanation: str
    explanation_en: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Recommendation:
    """The group recommended for one village."""

    village_id: str
    members: list[Member]
    volunteers: list[str]
    score: float  # 0..1: severity-weighted predicted outcome over all the village's needs
    uncovered: list[str]
    explanation: str
    explanation_en: str
    alternatives: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["members"] = [m.to_dict() for m in self.members]
        return out

    def to_contract(self) -> dict[str, Any]:
        """The record of ``DATA_FORMAT.md``'s batch interface (plus a few extra keys)."""
        out = self.to_dict()
        members = out.pop("members")
        for m in members:
            m.pop("explanation_en")
        out["organizations"] = members
        return out


@dataclass(frozen=True)
class RecommendationResult:
    """All recommendations (sorted by village id) and the run's summary."""

    recommendations: list[Recommendation]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendations": [r.to_dict() for r in self.recommendations],
            "summary": dict(self.summary),
        }

    def to_contract_json(self) -> dict[str, Any]:
        """The JSON document ``baotuan recommend`` writes (DATA_FORMAT.md, "The batch interface")."""
        return {
            "recommendations": [r.to_contract() for r in self.recommendations],
            "summary": dict(self.summary),
        }
