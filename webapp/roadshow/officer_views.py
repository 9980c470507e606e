"""Officer pages of the roadshow: create an event, enter projects, assign reviewers, record
回避, follow the scoring, finish, export the ranking (xlsx, PDF, a printable page).

A county officer sees and runs only their county's events (:mod:`webapp.scope`); another
county's event answers 404.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import role_required
from ..integrity.items import N_
from ..organization.data import county_centres
from ..scope import account_county
from ..services import roadshow as ops
from ..sitedb.models_roadshow import RoadshowEvent
from . import RoadshowError
from .blueprint import OFFICERS, bp
from .combine import DEFAULT_TIERS, tiers_text
from .queries import (
    PARTS,
    bars,
    candidate_projects,
    entries,
    event_in_scope,
    events_in_scope,
    recusals,
    reviewer_accounts,
    reviewer_names,
    scores,
    tiers_of,
)
from .ranking import ranking_pdf, ranking_rows, ranking_xlsx

__all__: list[str] = []


def _event(event_id: int) -> RoadshowEvent:
    try:
        return event_in_scope(event_id)
    except RoadshowError:
        abort(404)


def _events_page(form=None, errors=None, status: int = 200):
    county = account_county()
    return render_template(
        "roadshow/events.html",
        events=events_in_scope(),
        counties=[county] if county else list(county_centres()),
        scope_county=county,
        form=form or {"tiers": tiers_text(DEFAULT_TIERS), "trim": "1"},
        errors=errors or {},
    ), status


@bp.get("/events")
@role_required(*OFFICERS)
def events():
    return _events_page()


@bp.post("/events")
@role_required(*OFFICERS)
def create_event():
    try:
        event = ops.create_event(request.form, current_user.actor, account_county())
    except RoadshowError as exc:
        flash(_("路演未创建，请按提示修改"), "error")
        return _events_page(request.form, exc.errors, exc.status)
    flash(_("已创建路演：%(name)s", name=event.name), "success")
    return redirect(url_for("roadshow.event", event_id=event.id))


def _event_page(event: RoadshowEvent, errors=None, status: int = 200):
    search = request.args.get("q", "")[:100]
    names = reviewer_names(event.id)
    accounts = reviewer_accounts()
    display = {u.username: u.display_name or u.username for u in accounts}
    entered = entries(event.id)
    entered_ids = {e.project_id for e in entered}
    candidates = [
        p
        for p in candidate_projects(event.county, search, limit=30)
        if p["project_id"] not in entered_ids
    ]
    return render_template(
        "roadshow/event.html",
        event=event,
        tiers=tiers_of(event),
        entries=entered,
        reviewers=names,
        display=display,
        assignable=[u for u in accounts if u.username not in names],
        recusals=recusals(event.id),
        bars=bars(event.id),
        scores=scores(event.id),
        ranking=ranking_rows(event),
        candidates=candidates,
        search=search,
        parts=PARTS,
        errors=errors or {},
    ), status


@bp.get("/events/<int:event_id>")
@role_required(*OFFICERS)
def event(event_id: int):
    return _event_page(_event(event_id))


def _act(event_id: int, action, done: str):
    """Run ``action(event)``; on success flash ``done`` and go back to the event page."""
    event = _event(event_id)
    try:
        result = action(event)
    except RoadshowError as exc:
        for message in exc.errors.values():
            flash(message, "error")
        return _event_page(event, exc.errors, exc.status)
    if done:
        flash(_(done, result=result), "success")
    return redirect(url_for("roadshow.event", event_id=event_id))


@bp.post("/events/<int:event_id>/entries")
@role_required(*OFFICERS)
def add_entries(event_id: int):
    picked = request.form.getlist("project_id")
    return _act(
        event_id,
        lambda e: len(ops.add_entries(e, picked, current_user.actor)),
        N_("已加入 %(result)s 个项目"),
    )


@bp.post("/events/<int:event_id>/entries/<project_id>/remove")
@role_required(*OFFICERS)
def remove_entry(event_id: int, project_id: str):
    return _act(
        event_id, lambda e: ops.remove_entry(e, project_id, current_user.actor), N_("已移除项目")
    )


@bp.post("/events/<int:event_id>/reviewers")
@role_required(*OFFICERS)
def add_reviewer(event_id: int):
    username = request.form.get("username", "")
    return _act(
        event_id,
        lambda e: ops.add_reviewer(e, username, current_user.actor),
        N_("已加入评审专家"),
    )


@bp.post("/events/<int:event_id>/reviewers/<username>/remove")
@role_required(*OFFICERS)
def remove_reviewer(event_id: int, username: str):
    return _act(
        event_id,
        lambda e: ops.remove_reviewer(e, username, current_user.actor),
        N_("已移出评审专家"),
    )


@bp.post("/events/<int:event_id>/recusals")
@role_required(*OFFICERS)
def declare_recusal(event_id: int):
    form = request.form
    return _act(
        event_id,
        lambda e: len(
            ops.declare_recusal(
                e,
                form.get("username", ""),
                form.get("org_id", ""),
                form.get("note", ""),
                current_user.actor,
            )
        ),
        N_("已登记回避，%(result)s 个项目该专家不能评分"),
    )


@bp.post("/events/<int:event_id>/finish")
@role_required(*OFFICERS)
def finish_event(event_id: int):
    event = _event(event_id)
    if ops.finish_event(event, current_user.actor):
        flash(_("路演已结束：排名和奖项已确定，综合得分已作为评审记录保存"), "success")
    else:
        flash(_("该路演已经结束，未重复保存"), "info")
    return redirect(url_for("roadshow.event", event_id=event_id))


def _download(body: bytes, mimetype: str, event: RoadshowEvent, ext: str) -> Response:
    name = f"roadshow-{event.id}-ranking.{ext}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@bp.get("/events/<int:event_id>/ranking.xlsx")
@role_required(*OFFICERS)
def export_xlsx(event_id: int):
    event = _event(event_id)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(ranking_xlsx(event), xlsx, event, "xlsx")


@bp.get("/events/<int:event_id>/ranking.pdf")
@role_required(*OFFICERS)
def export_pdf(event_id: int):
    event = _event(event_id)
    return _download(ranking_pdf(event), "application/pdf", event, "pdf")


@bp.get("/events/<int:event_id>/ranking")
@role_required(*OFFICERS)
def print_ranking(event_id: int):
    event = _event(event_id)
    return render_template("roadshow/print.html", event=event, ranking=ranking_rows(event))
