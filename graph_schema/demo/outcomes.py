"""What came of a demo world's projects: their reviews, and the partnerships now in force.

Called by :func:`graph_schema.demo_history.make_history`; the score model is in
:mod:`graph_schema.demo`'s docstring.

Examples
--------
>>> import numpy as np
>>> list(iso(np.array(["2020-01-31"], dtype="datetime64[D]") + 1))
['2020-02-01']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..contract.vocabulary import SERVICES
from .names import categorical, rank_in_group

if TYPE_CHECKING:
    from .history import History

__all__ = ["reviews", "partnerships", "iso", "TODAY"]

S = len(SERVICES)
#: the day the world is seen from: projects ending later are still running
TODAY = np.datetime64("2020-11-30")
_COMMENTS = [
    "未达预期，需整改",
    "成效一般，需加强项目管理",
    "基本完成项目目标",
    "完成较好，群众满意",
    "成效显著，建议推广",
]


def iso(d: np.ndarray) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD``) as an object array of str."""
    return np.datetime_as_string(d, unit="D").astype(object)


def reviews(rng, h: History, expected: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    n = len(expected)
    ended = end < TODAY
    reviewed = rng.random(n) < np.where(ended, 0.93, 0.35)
    second = reviewed & ended & (rng.random(n) < 0.12)
    first_on = np.where(ended, end + rng.integers(5, 41, n), start + rng.integers(60, 120, n))
    names = np.array(["路演评审组", "成效评估组", "第三方评估机构", "民政局"], dtype=object)
    first_by = np.where(second, names[0], names[rng.integers(0, 4, n)])
    p1, p2 = np.flatnonzero(reviewed), np.flatnonzero(second)
    project = np.concatenate([p1, p2])
    score = np.clip(expected[project] + rng.normal(0, 5, len(project)), 0, 100).round(1)
    on = np.concatenate([first_on[p1], first_on[p2] + rng.integers(30, 91, len(p2))])
    order = np.argsort(project, kind="stable")
    h.review_project, h.review_score = project[order], score[order]
    h.review_date = iso(on[order])
    h.reviewer = np.concatenate([first_by[p1], np.full(len(p2), names[1], dtype=object)])[order]
    band = np.digitize(h.review_score, [40, 55, 70, 85])
    said = rng.random(len(project)) < 0.45
    h.comment = np.full(len(project), None, dtype=object)
    h.comment[said] = np.array(_COMMENTS, dtype=object)[band[said]]
    first_score = np.full(n, -1.0)
    first_score[p1] = score[: len(p1)]
    h.demonstration = (first_score >= 80) & (rng.random(n) < 0.5)


def partnerships(
    rng, h: History, o: dict, level: np.ndarray, need: np.ndarray, org_tree, vil_xyz
) -> None:
    """Groups already in force for about 5 % of villages, within every ``max_villages``."""
    n_vill, n_orgs = need.shape[0], level.shape[0]
    chosen = rng.choice(n_vill, size=min(n_vill, max(5, round(0.05 * n_vill))), replace=False)
    top = np.argmax(need[chosen] + rng.random((len(chosen), S)) * 0.5, axis=1)
    k = min(20, n_orgs)
    _, cand = org_tree.query(vil_xyz[chosen], k=k)
    cand = cand.reshape(len(chosen), k)
    lead_ok = level[cand, top[:, None]] >= 2
    covers = ((level[cand] > 0) & (need[chosen][:, None, :] > 0)).any(axis=2)
    lead_col = np.argmax(lead_ok, axis=1)
    has_lead = lead_ok.any(axis=1)
    covers[np.arange(len(chosen)), lead_col] = False
    n_members = categorical(rng, len(chosen), [0.4, 0.35, 0.25])
    member_rank = np.cumsum(covers, axis=1)
    member = covers & (member_rank <= n_members[:, None])
    pick = member.copy()
    pick[np.arange(len(chosen)), lead_col] = True
    pick &= has_lead[:, None]
    is_lead = np.zeros_like(pick)
    is_lead[np.arange(len(chosen)), lead_col] = True
    row, col = np.nonzero(
        pick
    )  # row-major: villages in order, each group's organizations by distance
    org, lead = cand[row, col], is_lead[row, col]
    order = np.lexsort((~lead, row))
    row, org, lead = row[order], org[order], lead[order]
    keep = rank_in_group(org) < o["max_villages"][org]
    row, org, lead = row[keep], org[keep], lead[keep]
    first_of_village = np.r_[True, row[1:] != row[:-1]]
    order = np.lexsort((org, chosen[row]))  # key order
    h.pair_village, h.pair_org = chosen[row][order], org[order]
    h.pair_is_lead = first_of_village[order]
    since = np.datetime64("2019-06-01") + rng.integers(0, 480, len(row))
    h.pair_since = iso(since)
