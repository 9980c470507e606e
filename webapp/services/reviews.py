"""Saving a review scored with the roadshow rubric: the total to the store's ``reviews`` (audited),
the five parts to the site database. The reviewer's page and ``POST /api/v1/reviews`` call it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from flask_babel import gettext as _

from graph_schema.store.base import now_iso

from ..extensions import get_store
from ..organization.data import one_row
from ..review.rubric import MAX_COMMENT, RUBRIC, Review, ReviewError, parse_rubric
from ..sitedb import get_session
from ..sitedb.models import ReviewRubric
from ..sitedb.upsert import upsert

__all__ = ["save_review", "save_panel_review"]


def save_review(
    project_id: str,
    parts: Mapping[str, Any],
    comment: str,
    reviewer: str,
    actor: str,
    today: dt.date | None = None,
) -> Review:
    """Write the review to the store (audited) and its rubric to the site database.

    A reviewer scoring the same project again on the same day replaces their earlier score.

    Raises
    ------
    ReviewError
        404 when the project does not exist, 409 when it has not finished yet, 422 for parts
        outside the rubric.
    """
    today = today or dt.date.today()
    project = one_row("projects", project_id=project_id)
    if project is None:
        raise ReviewError({"project_id": _("项目不存在")}, status=404)
    if not project.get("end_date") or project["end_date"] > today.isoformat():
        raise ReviewError({"project_id": _("项目尚未结束，结束后才能评审")}, status=409)
    checked, errors = parse_rubric(parts)
    if errors:
        raise ReviewError(errors, status=422)
    comment = (comment or "").strip()[:MAX_COMMENT]
    score = round(sum(checked.values()), 1)
    review = Review(project_id, score, today.isoformat(), reviewer, comment, checked)
    row = pd.DataFrame(
        [
            {
                "project_id": project_id,
                "score": score,
                "reviewed_on": review.reviewed_on,
                "reviewer": reviewer,
                "comment": comment or None,
            }
        ]
    )
    get_store().upsert_rows("reviews", row, actor, action="review")
    db = get_session()
    upsert(
        db,
        ReviewRubric,
        project_id=project_id,
        reviewed_on=review.reviewed_on,
        reviewer=reviewer,
        saved_at=now_iso(),
        **{n: checked[n] for n, _l, _h in RUBRIC},
    )
    db.commit()
    return review


def save_panel_review(
    project_id: str,
    score: float,
    reviewed_on: str,
    reviewer: str,
    comment: str,
    actor: str,
    parts: Mapping[str, float] | None = None,
) -> Review:
    """Write a panel's combined review (a roadshow's trimmed mean: webapp/roadshow) to the store,
    audited as ``roadshow_review``, with the panel's mean rubric parts when given.

    The same project, date and reviewer replace the earlier row, so writing it twice leaves one.
    """
    if not 0 <= score <= 100:
        raise ReviewError({"score": _("应为 0–100 的分数")}, status=422)
    comment = (comment or "").strip()[:MAX_COMMENT]
    row = pd.DataFrame(
        [
            {
                "project_id": project_id,
                "score": round(float(score), 1),
                "reviewed_on": reviewed_on,
                "reviewer": reviewer,
                "comment": comment or None,
            }
        ]
    )
    get_store().upsert_rows("reviews", row, actor, action="roadshow_review")
    if parts:
        upsert(
            get_session(),
            ReviewRubric,
            project_id=project_id,
            reviewed_on=reviewed_on,
            reviewer=reviewer,
            saved_at=now_iso(),
            **{n: float(parts[n]) for n, _l, _h in RUBRIC},
        )
    return Review(
        project_id, round(float(score), 1), reviewed_on, reviewer, comment, dict(parts or {})
    )
