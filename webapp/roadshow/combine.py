"""How a roadshow's scores become a ranking and an award list (pure functions, no database).

Each entry's reviewers' totals (0–100, the rubric's five parts added) are combined by a
**trimmed mean**: with ``trim = t``, the ``t`` highest and ``t`` lowest totals are dropped when at
least ``2t + 1`` totals are there (so with the default ``t = 1``: drop the highest and the lowest
from 3 scores on); with fewer, every total counts. The spread shown is of all totals: lowest,
highest and the (population) standard deviation.

Ranking: by the combined score, highest first. Ties are broken, in this order, by the plain mean
of all totals (higher first), then by the lowest total (higher first: nobody thought it weak),
then by more totals counted, then by the project id (lower first), so the order never depends on
the order the scores arrived in. An entry without any score gets no rank and no award. Awards go
down the ranking tier by tier (``一等奖 × 1, 二等奖 × 2, …``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Combined",
    "Ranked",
    "trimmed",
    "combine",
    "rank",
    "parse_tiers",
    "tiers_text",
    "DEFAULT_TIERS",
    "TierError",
]

#: the tiers a new event starts with
DEFAULT_TIERS: tuple[tuple[str, int], ...] = (("一等奖", 1), ("二等奖", 2), ("三等奖", 3))


class TierError(ValueError):
    """The award tiers as typed cannot be read; the message says which line and why."""


@dataclass(frozen=True)
class Combined:
    """One entry's scores combined: what counted and how far the reviewers were apart."""

    project_id: str
    combined: float | None
    counted: tuple[str, ...]  # the reviewers whose totals made the combined score
    scored: int  # totals given
    mean: float | None  # plain mean of every total
    low: float | None
    high: float | None
    std: float | None
    parts: dict[str, float] = field(default_factory=dict)  # per part, mean of the counted


@dataclass(frozen=True)
class Ranked:
    """An entry's place in the ranking (``rank`` None: not scored) and its award ('' none)."""

    result: Combined
    rank: int | None
    award: str


def trimmed(totals: Mapping[str, float], trim: int = 1) -> tuple[str, ...]:
    """The reviewers whose totals count: all but the ``trim`` highest and lowest when there are
    at least ``2 * trim + 1`` totals. Equal totals are dropped by reviewer name, for a stable
    choice.

    Examples
    --------
    >>> trimmed({"a": 80, "b": 95, "c": 70})
    ('a',)
    >>> trimmed({"a": 80, "b": 95})
    ('a', 'b')
    >>> trimmed({"a": 80, "b": 95, "c": 70}, trim=0)
    ('a', 'b', 'c')
    """
    if trim < 0:
        raise ValueError("trim must be 0 or more")
    order = sorted(totals, key=lambda who: (totals[who], who))
    if trim == 0 or len(order) < 2 * trim + 1:
        return tuple(sorted(order))
    return tuple(sorted(order[trim:-trim]))


def combine(project_id: str, scores: Mapping[str, Mapping[str, float]], trim: int = 1) -> Combined:
    """Combine one entry's scores (``{reviewer: {"total": …, part: …}}``).

    Examples
    --------
    >>> c = combine("P1", {"a": {"total": 80, "effect": 16}, "b": {"total": 95, "effect": 19},
    ...                    "c": {"total": 70, "effect": 14}})
    >>> c.combined, c.counted, c.low, c.high, round(c.std, 2), c.parts
    (80.0, ('a',), 70.0, 95.0, 10.27, {'effect': 16.0})
    >>> combine("P2", {}).combined is None
    True
    """
    if not scores:
        return Combined(project_id, None, (), 0, None, None, None, None)
    totals = {who: float(s["total"]) for who, s in scores.items()}
    counted = trimmed(totals, trim)
    values = list(totals.values())
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    combined = sum(totals[who] for who in counted) / len(counted)
    names = [k for k in next(iter(scores.values())) if k != "total"]
    parts = {n: sum(float(scores[w][n]) for w in counted) / len(counted) for n in names}
    return Combined(
        project_id,
        round(combined, 2),
        counted,
        len(values),
        round(mean, 2),
        min(values),
        max(values),
        std,
        {n: round(v, 2) for n, v in parts.items()},
    )


def _order(c: Combined) -> tuple:
    return (-(c.combined or 0.0), -(c.mean or 0.0), -(c.low or 0.0), -len(c.counted), c.project_id)


def rank(results: Iterable[Combined], tiers: Sequence[tuple[str, int]]) -> list[Ranked]:
    """The ranking with awards; unscored entries last, without rank or award.

    Examples
    --------
    >>> rs = [Combined("P2", 80.0, ("a",), 3, 80.0, 70.0, 90.0, 8.0),
    ...       Combined("P1", 80.0, ("a",), 3, 82.0, 75.0, 90.0, 6.0),
    ...       Combined("P3", None, (), 0, None, None, None, None)]
    >>> [(r.result.project_id, r.rank, r.award) for r in rank(rs, [("一等奖", 1)])]
    [('P1', 1, '一等奖'), ('P2', 2, ''), ('P3', None, '')]
    """
    results = list(results)
    scored = sorted((c for c in results if c.combined is not None), key=_order)
    unscored = sorted((c for c in results if c.combined is None), key=lambda c: c.project_id)
    awards = [name for name, count in tiers for _ in range(count)]
    out = [
        Ranked(c, place, awards[place - 1] if place <= len(awards) else "")
        for place, c in enumerate(scored, start=1)
    ]
    return out + [Ranked(c, None, "") for c in unscored]


def parse_tiers(text: str) -> list[tuple[str, int]]:
    """Award tiers from text, one per line or separated by ``；`` / ``,``: ``一等奖 1``.

    Examples
    --------
    >>> parse_tiers("一等奖 1\\n二等奖 2；三等奖 3")
    [('一等奖', 1), ('二等奖', 2), ('三等奖', 3)]
    >>> parse_tiers("一等奖 x")
    Traceback (most recent call last):
    ...
    webapp.roadshow.combine.TierError: 第 1 项“一等奖 x”：名额应为 1–100 的整数
    """
    items = [p.strip() for p in text.replace("；", "\n").replace(";", "\n").splitlines()]
    items = [p for i in items for p in i.replace("，", ",").split(",") if p.strip()]
    tiers: list[tuple[str, int]] = []
    for number, item in enumerate(items, start=1):
        name, _sep, count = item.strip().rpartition(" ")
        if not name.strip():
            raise TierError(f"第 {number} 项“{item.strip()}”：应写作“奖项 名额”，如“一等奖 1”")
        if not count.isdigit() or not 1 <= int(count) <= 100:
            raise TierError(f"第 {number} 项“{item.strip()}”：名额应为 1–100 的整数")
        if any(name.strip() == known for known, _n in tiers):
            raise TierError(f"第 {number} 项“{item.strip()}”：奖项重复")
        tiers.append((name.strip(), int(count)))
    if not tiers:
        raise TierError("请至少设置一个奖项，如“一等奖 1”")
    if len(tiers) > 10:
        raise TierError("奖项最多 10 个")
    return tiers


def tiers_text(tiers: Sequence[tuple[str, int]]) -> str:
    """Tiers as the form shows them.

    Examples
    --------
    >>> tiers_text(DEFAULT_TIERS)
    '一等奖 1\\n二等奖 2\\n三等奖 3'
    """
    return "\n".join(f"{name} {count}" for name, count in tiers)
