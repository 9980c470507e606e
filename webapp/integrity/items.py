"""What a rule of the 疑点清单 returns (:class:`Item`) and where the rules draw the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Item", "Thresholds", "plain_number"]


@dataclass(frozen=True)
class Item:
    """One record that looks wrong.

    Attributes
    ----------
    rule : str
        The rule that found it (a key of :data:`RULES`).
    key : str
        Stable name of the record and its state; marks are kept by this key.
    subject : str
        What the item is about, as ``table:id`` (``organizations:O1``, ``volunteers:P7``...).
    reason : str
        Why it looks wrong, in Chinese, with the numbers.
    params : dict
        The numbers and ids behind the reason (what the JSON API returns).
    """

    rule: str
    key: str
    subject: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Thresholds:
    """Where each rule draws the line; the defaults are what the site uses."""

    #: a person (same name, same place to ~100 m) in at least this many organizations
    volunteer_orgs: int = 3
    #: decimals of lat/lon that count as "the same place" for volunteers and organizations
    place_decimals: int = 3
    #: more volunteer hours a month than this is implausible (a full-time job is ~170)
    volunteer_hours: float = 300.0
    #: robust z-score (median/MAD) beyond which a review is far from the organization's others
    review_z: float = 3.5
    #: an organization needs at least this many reviews before one can stand out
    review_min_count: int = 4
    #: ...and the score must also differ from their median by at least this many points
    review_min_gap: float = 20.0
    #: a supported village with no project activity for this many days
    idle_days: int = 365
    #: difflib ratio of normalised names from which two names count as similar
    name_similarity: float = 0.85


def plain_number(value: Any) -> Any:
    """A JSON-friendly Python number."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer | int):
        return int(value)
    number = float(value)
    return int(number) if number.is_integer() else round(number, 2)
