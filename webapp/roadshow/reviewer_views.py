"""Reviewer pages of the roadshow: my events, an event's entries (回避 ones marked, with the
reason), and the rubric form for one entry. A barred entry cannot be scored: the form is not
shown and a POST is refused 403 with the reason (the refusal goes on the audit trail)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import role_required
from ..review.rubric import RUBRIC
from ..services import roadshow as ops
from ..sitedb import get_session
from ..sitedb.models_roadshow import RoadshowEvent, RoadshowReviewer
from . import RoadshowError
from .blueprint import REVIEWERS, bp
from .queries import bars, entries, reviewer_names, scores

__all__: list[str] = []


def _my_event(event_id: int) -> RoadshowEvent:
    event = get_session().get(RoadshowEvent, event_id)
    if event is None:
        abort(404)
    if current_user.username not in reviewer_names(event_id):
        abort(403)
    return event


@bp.get("/review")
@role_required(*REVIEWERS)
def my_events():
    mine = select(RoadshowReviewer.event_id).where(
        RoadshowReviewer.username == current_user.username
    )
    found = get_session().scalars(
        select(RoadshowEvent)
        .where(RoadshowEvent.id.in_(mine))
        .order_by(RoadshowEvent.held_on.desc(), RoadshowEvent.id.desc())
    )
    return render_template("roadshow/my_events.html", events=list(found))


@bp.get("/review/<int:event_id>")
@role_required(*REVIEWERS)
def review_event(event_id: int):
    event = _my_event(event_id)
    me = current_user.username
    barred = {p: b for (p, who), b in bars(event_id).items() if who == me}
    mine = {p: s for (p, who), s in scores(event_id).items() if who == me}
    return render_template(
        "roadshow/review_event.html",
        event=event,
        entries=entries(event_id),
        barred=barred,
        mine=mine,
    )


@bp.route("/review/<int:event_id>/projects/<project_id>", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def score_entry(event_id: int, project_id: str):
    event = _my_event(event_id)
    entry = next((e for e in entries(event_id) if e.project_id == project_id), None)
    if entry is None:
        abort(404)
    me = current_user.username
    bar = bars(event_id).get((project_id, me))
    saved = scores(event_id).get((project_id, me))
    errors: dict[str, str] = {}
    status = 200
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        parts = {name: request.form.get(name, "") for name, _l, _h in RUBRIC}
        try:
            score = ops.save_score(
                event, project_id, me, parts, request.form.get("comment", ""), current_user.actor
            )
        except RoadshowError as exc:
            errors, status = exc.errors, exc.status
            flash(next(iter(exc.errors.values())) if status == 403 else _("评分未保存"), "error")
        else:
            flash(
                _(
                    "已保存对 %(name)s 的评分：%(score)s 分",
                    name=entry.name,
                    score=f"{score.total:g}",
                ),
                "success",
            )
            return redirect(url_for("roadshow.review_event", event_id=event_id))
    elif saved is not None:
        form = {name: f"{getattr(saved, name):g}" for name, _l, _h in RUBRIC}
        form["comment"] = saved.comment
    return render_template(
        "roadshow/score.html",
        event=event,
        entry=entry,
        bar=bar,
        saved=saved,
        rubric=RUBRIC,
        form=form,
        errors=errors,
    ), status
