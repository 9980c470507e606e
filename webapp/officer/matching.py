"""Matcher runs from the site: start one, follow its progress, list a run's recommendations."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema.rules import MAX_GROUP_RANGE

from ..extensions import get_store
from ..scope import scoped_world
from ..services.events import record_event
from ..services.runs import (
    DEFAULT_MAX_GROUP,
    Run,
    RunError,
    cancel_run,
    decisions_of,
    get_run,
    list_runs,
    start_run,
)
from .blueprint import bp
from .listing import filter_args, paginate
from .queries import World
from .world_cache import current_world

__all__ = ["matching", "start", "cancel", "run_status", "run_page", "village_status"]


def _run_or_404(run_id: int, with_result: bool = True) -> Run:
    try:
        return get_run(run_id, with_result)
    except RunError:
        abort(404)


@bp.get("/matching")
def matching():
    runs = list_runs()
    running = next((r for r in runs if r.status == "running"), None)
    return render_template(
        "officer/matching.html",
        runs=runs,
        running=running,
        default_max_group=DEFAULT_MAX_GROUP,
        max_group_range=MAX_GROUP_RANGE,
    )


@bp.post("/matching/runs")
def start():
    max_group = request.form.get("max_group", DEFAULT_MAX_GROUP, type=int) or DEFAULT_MAX_GROUP
    seed = request.form.get("seed", 0, type=int) or 0
    try:
        run_id = start_run(current_user.actor, max_group=max_group, seed=seed)
    except RunError as exc:
        flash(str(exc), "error")
        return redirect(url_for("officer.matching"))
    record_event(
        get_store(), current_user.actor, "matcher_run", f"run:{run_id}", {"max_group": max_group}
    )
    return redirect(url_for("officer.run_page", run_id=run_id))


@bp.post("/matching/runs/<int:run_id>/cancel", endpoint="cancel_run")
def cancel(run_id: int):
    """Cancel a queued or running run; the officer returns to its page, which says so."""
    try:
        cancel_run(run_id, current_user.actor)
    except RunError as exc:
        flash(str(exc), "error")
    else:
        record_event(get_store(), current_user.actor, "matcher_run_cancelled", f"run:{run_id}")
    return redirect(url_for("officer.run_page", run_id=run_id))


@bp.get("/matching/runs/<int:run_id>/status")
def run_status(run_id: int):
    run = _run_or_404(run_id, with_result=False)
    data = run.status_json()
    data["url"] = url_for("officer.run_page", run_id=run_id)
    return jsonify(data)


def village_status(world: World, decisions: dict, village_id: str) -> str:
    """``accepted``/``changed``/``rejected`` when decided, ``supported`` when the village got a
    group some other way since the run, else ``pending``."""
    if village_id in decisions:
        return decisions[village_id]["decision"]
    village = world.villages.get(village_id)
    return "supported" if village is not None and village.supported else "pending"


def _shown(args: dict[str, str], village, village_id: str) -> bool:
    """Whether a village passes the list's county and name filters."""
    if args.get("county") and (village is None or village.county != args["county"]):
        return False
    q = args.get("q", "").lower()
    return not (
        q and village is not None and q not in village.name.lower() and q not in village_id.lower()
    )


def _calibration_figure(run: Run):
    if run.calibration is None:
        return None
    from .calibration_svg import calibration_svg

    return calibration_svg(
        run.calibration,
        _("预测成效分"),
        _("实际评审分"),
        _("预测与实际评审分对照（%(year)s 年的项目）", year=run.calibration.test_year),
    )


@bp.get("/matching/runs/<int:run_id>")
def run_page(run_id: int):
    run = _run_or_404(run_id)
    if run.status != "done":
        return render_template("officer/run_progress.html", run=run)
    world = scoped_world(current_world(get_store()))
    decisions = decisions_of(run_id)
    args = filter_args("county", "status", "q", "check")
    rows: list[dict] = []
    counts = {"pending": 0, "accepted": 0, "changed": 0, "rejected": 0, "supported": 0}
    for village_id, rec in run.recommendations.items():
        village = world.villages.get(village_id)
        if village is None and world.villages is not current_world(get_store()).villages:
            continue  # outside the officer's county (webapp/scope.py)
        status = village_status(world, decisions, village_id)
        counts[status] = counts.get(status, 0) + 1
        if not _shown(args, village, village_id):
            continue
        if args.get("status") and status != args["status"]:
            continue
        if args.get("check") and not rec.check_by_hand:
            continue
        rows.append({"rec": rec, "village": village, "status": status})
    rows.sort(key=lambda r: (r["status"] != "pending", r["rec"].village_id))
    unserved = [
        {"u": u, "village": world.villages.get(u.village_id)}
        for u in run.unserved
        if _shown(args, world.villages.get(u.village_id), u.village_id)
    ]
    return render_template(
        "officer/run.html",
        run=run,
        page=paginate(rows),
        args=args,
        counts=counts,
        checks=sum(r.check_by_hand for r in run.recommendations.values()),
        unserved=unserved,
        calibration_figure=_calibration_figure(run),
        counties=world.counties,
        world=world,
    )
