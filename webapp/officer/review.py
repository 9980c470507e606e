"""Reviewing one village's recommendation: accept it, change its members, reject it, or accept many.

Every decision is kept in ``recommendation_decisions``; an accepted group becomes the partnership in
force through :meth:`GraphStore.approve_group`, which records who approved it and when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema.rules import GroupMember, GroupRefused

from ..extensions import get_store
from ..scope import scoped_world
from ..services.events import record_event
from ..services.group_messages import problem_messages
from ..services.groups import GroupBatch
from ..services.runs import Run, decisions_of, record_decision
from .blueprint import bp
from .matching import _run_or_404, village_status
from .operations import parse_members
from .volunteers import volunteer_cards
from .world_cache import current_world

if TYPE_CHECKING:
    from matcher.result import Recommendation

__all__ = ["recommendation", "accept", "change", "reject", "accept_many", "check"]


def _recommended(rec: Recommendation) -> list[GroupMember]:
    return [GroupMember(m.org_id, m.role) for m in rec.members]


def _rec_or_404(run: Run, village_id: str) -> Recommendation:
    rec = run.recommendations.get(village_id)
    if rec is None:
        abort(404)
    return rec


def _render(run: Run, village_id: str, members=None, problems=(), status: int = 200):
    world = scoped_world(current_world(get_store()))
    rec = _rec_or_404(run, village_id)
    village = world.villages.get(village_id)
    if village is None:
        abort(404)
    checker = GroupBatch(world, run.max_group)
    decisions = decisions_of(run.id)
    form_members = list(members if members is not None else _recommended(rec))
    alternatives = {
        service: [world.orgs[o] for o in ids if o in world.orgs]
        for service, ids in rec.alternatives.items()
    }
    return (
        render_template(
            "officer/recommendation.html",
            run=run,
            rec=rec,
            v=village,
            world=world,
            members=rec.members,
            form_members=form_members,
            form_rows=max(run.max_group + 1, len(form_members) + 1),
            problems=list(problems),
            current_problems=problem_messages(checker.problems(village_id, _recommended(rec))),
            volunteers=volunteer_cards(world, rec.volunteers),
            alternatives=alternatives,
            status=village_status(world, decisions, village_id),
            decision=decisions.get(village_id),
        ),
        status,
    )


@bp.get("/matching/runs/<int:run_id>/villages/<village_id>")
def recommendation(run_id: int, village_id: str):
    return _render(_run_or_404(run_id), village_id)


def _approve(run: Run, village_id: str, members: list[GroupMember], decision: str):
    world = scoped_world(current_world(get_store()))
    if village_id not in world.villages:
        abort(404)  # outside the officer's county (webapp/scope.py)
    checker = GroupBatch(world, run.max_group)
    try:
        checker.approve(get_store(), village_id, members, current_user.actor, run.id, decision)
    except GroupRefused as refused:
        return _render(run, village_id, members, problem_messages(refused.problems), 422)
    flash(_("已批准 %(v)s 的抱团，帮扶关系已生效", v=world.village_name(village_id)), "success")
    return redirect(url_for("officer.village", village_id=village_id))


@bp.post("/matching/runs/<int:run_id>/villages/<village_id>/accept")
def accept(run_id: int, village_id: str):
    run = _run_or_404(run_id)
    return _approve(run, village_id, _recommended(_rec_or_404(run, village_id)), "accepted")


@bp.post("/matching/runs/<int:run_id>/villages/<village_id>/change")
def change(run_id: int, village_id: str):
    run = _run_or_404(run_id)
    _rec_or_404(run, village_id)
    members = parse_members(request.form.getlist("org"), request.form.getlist("lead"))
    return _approve(run, village_id, members, "changed")


@bp.post("/matching/runs/<int:run_id>/villages/<village_id>/reject")
def reject(run_id: int, village_id: str):
    run = _run_or_404(run_id)
    _rec_or_404(run, village_id)
    if village_id not in scoped_world(current_world(get_store())).villages:
        abort(404)  # outside the officer's county (webapp/scope.py)
    reason = request.form.get("reason", "").strip()
    record_decision(run.id, village_id, "rejected", current_user.actor, reason)
    record_event(
        get_store(),
        current_user.actor,
        "reject_recommendation",
        f"village:{village_id}",
        {"run": run.id, "reason": reason},
    )
    world = scoped_world(current_world(get_store()))
    flash(_("已退回 %(v)s 的推荐", v=world.village_name(village_id)), "info")
    return redirect(url_for("officer.run_page", run_id=run.id))


@bp.post("/matching/runs/<int:run_id>/accept-many")
def accept_many(run_id: int):
    run = _run_or_404(run_id)
    world = scoped_world(current_world(get_store()))
    checker = GroupBatch(world, run.max_group)
    approved, refused = [], []
    for village_id in dict.fromkeys(request.form.getlist("village_id")):
        rec = run.recommendations.get(village_id)
        if rec is None or village_id not in world.villages:  # unknown, or outside the county
            continue
        try:
            checker.approve(get_store(), village_id, _recommended(rec), current_user.actor, run.id)
            approved.append(village_id)
        except GroupRefused as exc:
            messages = problem_messages(exc.problems)
            refused.append(f"{world.village_name(village_id)}：{'；'.join(messages)}")
    if approved:
        flash(_("已批准 %(n)s 个村的抱团", n=len(approved)), "success")
    for message in refused:
        flash(_("未能批准：%(m)s", m=message), "error")
    if not approved and not refused:
        flash(_("请先勾选要批准的村"), "error")
    # keep the list's filters (a run_id among them must not replace the run's own)
    back: dict[str, Any] = {**request.args.to_dict(), "run_id": run.id}
    return redirect(url_for("officer.run_page", **back))


@bp.post("/matching/check")
def check():
    """Check a group as the officer edits it: the rules it breaks and what each member covers."""
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        return jsonify(ok=False, problems=["the body must be a JSON object"]), 400
    raw_run = str(data.get("run_id") or 0)
    if not raw_run.isdigit() or len(raw_run) > 12:
        return jsonify(ok=False, problems=["run_id must be a run number"]), 400
    run = _run_or_404(int(raw_run), with_result=False)
    village_id = str(data.get("village_id") or "")
    members = parse_members([str(o) for o in data.get("orgs") or []], str(data.get("lead") or ""))
    world = scoped_world(current_world(get_store()))
    checker = GroupBatch(world, run.max_group)
    problems = problem_messages(checker.problems(village_id, members))
    from ..templating import service_label

    return jsonify(
        ok=not problems,
        problems=problems,
        members=[
            {
                "org_id": m.org_id,
                "role": m.role,
                "name": world.org_name(m.org_id),
                "capacity_left": world.orgs[m.org_id].capacity_left
                if m.org_id in world.orgs
                else None,
                "covers": [service_label(s) for s in checker.covers(village_id, m.org_id)],
            }
            for m in members
        ],
    )
