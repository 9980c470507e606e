"""What a rule of the 疑点清单 returns (:class:`Item`) and where the rules draw the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Item", "Thresholds", "plain_number", "render_reason", "N_"]


def N_(message: str) -> str:
    """Mark a message for translation where it is written; it is translated where it is shown."""
    return message


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
    message, values, fragments
        The reason as a translatable message (``%(name)s`` placeholders) with its values, and
        the translatable parts that fill its ``%(signals)s`` (see :meth:`of`).
    """

    rule: str
    key: str
    subject: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    message: str = field(default="", compare=False)
    values: dict[str, Any] = field(default_factory=dict, compare=False)
    fragments: tuple[tuple[str, dict[str, Any]], ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        rule: str,
        key: str,
        subject: str,
        message: str,
        values: dict[str, Any],
        params: dict[str, Any],
        fragments: tuple[tuple[str, dict[str, Any]], ...] = (),
    ) -> Item:
        """An item whose Chinese ``reason`` is ``message % values``.

        Examples
        --------
        >>> Item.of("r", "k", "villages:V1", "%(name)s 有问题", {"name": "易洼村"}, {}).reason
        '易洼村 有问题'
        """
        return cls(
            rule,
            key,
            subject,
            render_reason(message, values, fragments),
            params,
            message,
            values,
            fragments,
        )


def render_reason(
    message: str,
    values: dict[str, Any],
    fragments: tuple[tuple[str, dict[str, Any]], ...] = (),
    translate=lambda m: m,
    separator: str = "，",
) -> str:
    """``message`` (after ``translate``) filled with ``values``, its ``%(signals)s`` with the
    fragments joined by ``separator``."""
    filled = dict(values)
    if fragments:
        filled["signals"] = separator.join(translate(m) % v for m, v in fragments)
    return translate(message) % filled


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
    #: one volunteer in two villages farther apart than this (km) on the same day (台账)
    ledger_distant_km: float = 50.0
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
