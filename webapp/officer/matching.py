"""Matcher runs from the site: start one, follow its progress, list a run's recommendations."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import get_store
from .blueprint import bp
from .listing import filter_args, paginate
from .queries import World, record_event
from .runs import DEFAULT_MAX_GROUP, Run, RunError, decisions_of, get_run, list_runs, start_run
from .world_cache import current_world

__all__ = ["matching", "start", "run_status", "run_page", "village_status"]


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
        "officer/matching.html", runs=runs, running=running, default_max_group=DEFAULT_MAX_GROUP
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


@bp.get("/matching/runs/<int:run_id>")
def run_page(run_id: int):
    run = _run_or_404(run_id)
    if run.status != "done":
        return render_template("officer/run_progress.html", run=run)
    world = current_world(get_store())
    decisions = decisions_of(run_id)
    args = filter_args("county", "status", "q")
    rows: list[dict] = []
    counts = {"pending": 0, "accepted": 0, "changed": 0, "rejected": 0, "supported": 0}
    for village_id, rec in run.recommendations.items():
        village = world.villages.get(village_id)
        status = village_status(world, decisions, village_id)
        counts[status] = counts.get(status, 0) + 1
        if args.get("county") and (village is None or village.county != args["county"]):
            continue
        if args.get("status") and status != args["status"]:
            continue
        q = args.get("q", "").lower()
        if (
            q
            and village is not None
            and q not in village.name.lower()
            and q not in village_id.lower()
        ):
            continue
        rows.append({"rec": rec, "village": village, "status": status})
    rows.sort(key=lambda r: (r["status"] != "pending", r["rec"]["village_id"]))  # type: ignore[index]
    return render_template(
        "officer/run.html",
        run=run,
        page=paginate(rows),
        args=args,
        counts=counts,
        counties=world.counties,
        world=world,
    )
