"""Scoring finished projects with the roadshow rubric (路演评审 / 成效评估).

Five parts, each 0–20, add up to the 0–100 score of the contract's ``reviews`` table, which the
matcher's outcome model learns from. The parts themselves are kept in the site database
(``review_rubrics``) because the contract has only the total. Saving a review is
:func:`webapp.services.reviews.save_review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import select

from ..organization.data import rows
from ..organization.forms import FormError
from ..sitedb import get_session
from ..sitedb.models import ReviewRubric

__all__ = [
    "RUBRIC",
    "PART_MAX",
    "ReviewError",
    "Review",
    "parse_rubric",
    "rubric_of",
    "finished_projects",
]

#: (field, Chinese label, what the reviewer looks at)
RUBRIC: tuple[tuple[str, str, str], ...] = (
    ("need_fit", "需求契合", "项目是否对准村里和困难群众的实际需求"),
    ("execution", "执行", "计划是否按期、按质完成，组织和人员是否到位"),
    ("effect", "成效", "受益人数和可见的改变，群众是否满意"),
    ("sustainability", "可持续", "项目结束后能否持续，是否培育了本地力量"),
    ("funds", "资金使用", "预算执行是否规范、透明，资金是否用在实处"),
)
PART_MAX = 20
MAX_COMMENT = 2000


class ReviewError(FormError):
    """A review was refused; ``status`` is the HTTP status that fits (404, 409, 422)."""

    def __init__(self, errors: Mapping[str, str], status: int = 400):
        super().__init__(errors)
        self.status = status


@dataclass(frozen=True)
class Review:
    project_id: str
    score: float
    reviewed_on: str
    reviewer: str
    comment: str
    parts: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "score": self.score,
            "reviewed_on": self.reviewed_on,
            "reviewer": self.reviewer,
            "comment": self.comment,
            "rubric": dict(self.parts),
        }


def parse_rubric(values: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """The five parts as numbers 0–20 (halves allowed), or a message per wrong field.

    Examples
    --------
    >>> import tempfile
    >>> from webapp import create_app
    >>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
    >>> with app.test_request_context():
    ...     parse_rubric({"need_fit": "18", "execution": 15, "effect": "16.5",
    ...                   "sustainability": "12", "funds": "25"})[1]
    {'funds': '应为 0–20 的分数'}
    """
    parts: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name, _label, _hint in RUBRIC:
        raw = values.get(name)
        try:
            number = float(str(raw).strip()) if raw is not None and str(raw).strip() else None
        except ValueError:
            number = None
        if number is None:
            errors[name] = _("请打分（0–20）")
        elif not 0 <= number <= PART_MAX or number != number:
            errors[name] = _("应为 0–20 的分数")
        elif (number * 2) != int(number * 2):
            errors[name] = _("分数最小单位为 0.5")
        else:
            parts[name] = number
    return parts, errors


def rubric_of(project_id: str) -> dict[tuple[str, str], dict[str, float]]:
    """The rubric parts of a project's reviews, by ``(reviewed_on, reviewer)``."""
    names = [n for n, _l, _h in RUBRIC]
    out = {}
    for r in get_session().scalars(
        select(ReviewRubric).where(ReviewRubric.project_id == project_id)
    ):
        out[(r.reviewed_on, r.reviewer)] = {n: getattr(r, n) for n in names}
    return out


def finished_projects(
    today: dt.date | None = None,
    service: str = "",
    county: str = "",
    search: str = "",
    unreviewed_by: str = "",
) -> pd.DataFrame:
    """Finished projects (``end_date`` on or before today) with their review count and mean,
    newest first, filtered by service, county (of the lead organization), name, and whether
    ``unreviewed_by`` has already reviewed them."""
    today = today or dt.date.today()
    projects = rows("projects")
    projects = projects[projects["end_date"].notna() & (projects["end_date"] <= today.isoformat())]
    if service:
        projects = projects[projects["service"] == service]
    if search:
        needle = search.strip()
        projects = projects[
            projects["name"].str.contains(needle, regex=False, na=False)
            | (projects["project_id"] == needle)
        ]
    orgs = rows("organizations")[["org_id", "name", "county"]].rename(
        columns={"org_id": "lead_org_id", "name": "lead_name", "county": "lead_county"}
    )
    projects = projects.merge(orgs, on="lead_org_id", how="left")
    if county:
        projects = projects[projects["lead_county"] == county]
    reviews = rows("reviews")
    stats = reviews.groupby("project_id")["score"].agg(["size", "mean"])
    projects = projects.join(stats, on="project_id")
    projects["size"] = projects["size"].fillna(0).astype(int)
    if unreviewed_by:
        mine = set(reviews.loc[reviews["reviewer"] == unreviewed_by, "project_id"])
        projects = projects[~projects["project_id"].isin(mine)]
    projects = projects.rename(columns={"size": "review_count", "mean": "mean_score"})
    return projects.sort_values(["end_date", "project_id"], ascending=[False, True]).reset_index(
        drop=True
    )
