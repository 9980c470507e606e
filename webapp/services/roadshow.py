"""The roadshow's writes (公益路演评选): each checks, writes the site database and puts an entry
on the store's audit trail (action ``roadshow_*``, target ``roadshow:<event id>``).

The views and tests call these; the pages are in :mod:`webapp.roadshow`. See docs/roadshow.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from graph_schema.store.base import now_iso

from ..extensions import get_store
from ..organization.data import county_centres, one_row
from ..review.rubric import MAX_COMMENT, parse_rubric
from ..roadshow import RoadshowError
from ..roadshow.combine import TierError, parse_tiers
from ..roadshow.queries import (
    PARTS,
    candidate_projects,
    entry_orgs,
    organization_names,
    reviewer_names,
    standings,
)
from ..roadshow.ties import Bar, find_bars
from ..sitedb import get_session
from ..sitedb.models import User
from ..sitedb.models_roadshow import (
    RoadshowBar,
    RoadshowEntry,
    RoadshowEvent,
    RoadshowRecusal,
    RoadshowResult,
    RoadshowReviewer,
    RoadshowScore,
)
from ..sitedb.upsert import upsert
from .events import record_event
from .reviews import save_panel_review

__all__ = [
    "create_event",
    "add_entries",
    "remove_entry",
    "add_reviewer",
    "remove_reviewer",
    "declare_recusal",
    "refresh_bars",
    "save_score",
    "finish_event",
    "review_name",
    "MAX_TRIM",
]

#: at most this many totals dropped at each end
MAX_TRIM = 3


def _audit(actor: str, action: str, event_id: int, after: Any = None) -> None:
    record_event(get_store(), actor, f"roadshow_{action}", f"roadshow:{event_id}", after)


def _open(event: RoadshowEvent) -> None:
    if event.status != "open":
        raise RoadshowError({"event": _("路演已结束，不能再修改")}, status=409)


def review_name(event: RoadshowEvent) -> str:
    """The ``reviewer`` of the reviews a finished event writes: the event itself.

    Examples
    --------
    >>> review_name(RoadshowEvent(id=3, name="2026年“泰山红帆”公益路演"))
    '路演#3 2026年“泰山红帆”公益路演'
    """
    return f"路演#{event.id} {event.name}"


def create_event(form: Mapping[str, str], actor: str, scope_county: str | None) -> RoadshowEvent:
    """A new open event from the officer's form (name, held_on, place, county, tiers, trim).

    A county officer's event is always of their own county (``scope_county``).
    """
    errors: dict[str, str] = {}
    name = (form.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = _("请填写路演名称（100 字以内）")
    held_on = (form.get("held_on") or "").strip()
    try:
        dt.date.fromisoformat(held_on)
    except ValueError:
        errors["held_on"] = _("日期应为 YYYY-MM-DD")
    place = (form.get("place") or "").strip()
    if len(place) > 100:
        errors["place"] = _("地点 100 字以内")
    county = (form.get("county") or "").strip() or None
    if scope_county is not None:
        if county not in (None, scope_county):
            errors["county"] = _(
                "您负责 %(county)s，只能举办本县（市、区）的路演", county=scope_county
            )
        county = scope_county
    elif county is not None and county not in county_centres():
        errors["county"] = _("没有这个县（市、区）")
    try:
        tiers = parse_tiers(form.get("tiers") or "")
    except TierError as exc:
        errors["tiers"] = str(exc)
        tiers = []
    raw_trim = (form.get("trim") or "1").strip()
    trim = int(raw_trim) if raw_trim.isdigit() else -1
    if not 0 <= trim <= MAX_TRIM:
        errors["trim"] = _("去掉最高、最低分的个数应为 0–%(max)s", max=MAX_TRIM)
    if errors:
        raise RoadshowError(errors)
    event = RoadshowEvent(
        name=name,
        held_on=held_on,
        place=place,
        county=county,
        tiers_json=json.dumps(tiers, ensure_ascii=False),
        trim=trim,
        status="open",
        created_by=actor,
        created_at=now_iso(),
    )
    db = get_session()
    db.add(event)
    db.commit()
    _audit(actor, "create", event.id, {"name": name, "held_on": held_on, "county": county})
    return event


def add_entries(event: RoadshowEvent, project_ids: Iterable[str], actor: str) -> list[str]:
    """Enter projects (of the event's county, or any for a city-wide event); returns those
    newly entered. An unknown or out-of-county project refuses the whole request."""
    _open(event)
    wanted = [p.strip() for p in project_ids if p and p.strip()]
    if not wanted:
        raise RoadshowError({"project_id": _("请选择要参加路演的项目")})
    db = get_session()
    have = set(
        db.scalars(select(RoadshowEntry.project_id).where(RoadshowEntry.event_id == event.id))
    )
    new = [p for p in dict.fromkeys(wanted) if p not in have]
    for project_id in new:
        if one_row("projects", project_id=project_id) is None:
            raise RoadshowError({"project_id": _("项目 %(id)s 不存在", id=project_id)}, status=404)
        if event.county is not None and not candidate_projects(event.county, project_id):
            raise RoadshowError(
                {
                    "project_id": _(
                        "项目 %(id)s 不在 %(county)s，不能参加本县路演",
                        id=project_id,
                        county=event.county,
                    )
                }
            )
    stamp = now_iso()
    for project_id in new:
        db.add(
            RoadshowEntry(event_id=event.id, project_id=project_id, added_by=actor, added_at=stamp)
        )
    refresh_bars(event)
    db.commit()
    if new:
        _audit(actor, "enter", event.id, {"project_ids": new})
    return new


def _unscored(event: RoadshowEvent, column, value: str, what: str) -> None:
    scored = get_session().scalar(
        select(RoadshowScore.project_id).where(RoadshowScore.event_id == event.id, column == value)
    )
    if scored is not None:
        raise RoadshowError({what: _("已有评分，不能移除（评分不会被删除）")}, status=409)


def remove_entry(event: RoadshowEvent, project_id: str, actor: str) -> None:
    """Take a project out of the event, only while nobody has scored it."""
    _open(event)
    _unscored(event, RoadshowScore.project_id, project_id, "project_id")
    db = get_session()
    for model in (RoadshowEntry, RoadshowBar):
        db.execute(delete(model).where(model.event_id == event.id, model.project_id == project_id))
    db.commit()
    _audit(actor, "withdraw", event.id, {"project_id": project_id})


def add_reviewer(event: RoadshowEvent, username: str, actor: str) -> None:
    """Assign an active reviewer account to the event."""
    _open(event)
    db = get_session()
    user = db.scalar(select(User).where(User.username == username))
    if user is None or user.role != "reviewer" or user.status != "active":
        raise RoadshowError({"username": _("请选择一个在用的评审专家账号")})
    if username in reviewer_names(event.id):
        return
    db.add(
        RoadshowReviewer(event_id=event.id, username=username, added_by=actor, added_at=now_iso())
    )
    refresh_bars(event)
    db.commit()
    _audit(actor, "assign", event.id, {"username": username})


def remove_reviewer(event: RoadshowEvent, username: str, actor: str) -> None:
    """Take a reviewer off the event, only while they have scored nothing."""
    _open(event)
    _unscored(event, RoadshowScore.username, username, "username")
    db = get_session()
    for model in (RoadshowReviewer, RoadshowBar, RoadshowRecusal):
        db.execute(delete(model).where(model.event_id == event.id, model.username == username))
    db.commit()
    _audit(actor, "unassign", event.id, {"username": username})


def declare_recusal(
    event: RoadshowEvent, username: str, org_id: str, note: str, actor: str
) -> list[str]:
    """Record that ``username`` is tied to ``org_id`` (回避); returns the entries now barred."""
    _open(event)
    if username not in reviewer_names(event.id):
        raise RoadshowError({"username": _("该评审专家不在本次路演的评审名单中")})
    org_id = (org_id or "").strip()
    if one_row("organizations", org_id=org_id) is None:
        raise RoadshowError({"org_id": _("组织 %(id)s 不存在", id=org_id or "（空）")})
    db = get_session()
    upsert(
        db,
        RoadshowRecusal,
        event_id=event.id,
        username=username,
        org_id=org_id,
        note=(note or "").strip()[:200],
        declared_by=actor,
        declared_at=now_iso(),
    )
    found = refresh_bars(event)
    db.commit()
    barred = sorted(b.project_id for b in found if b.username == username and b.org_id == org_id)
    _audit(actor, "recuse", event.id, {"username": username, "org_id": org_id, "barred": barred})
    return barred


def _twin_pairs() -> list[tuple[str, str]]:
    from ..integrity.service import current_items

    return [
        tuple(item.params["org_ids"])  # type: ignore[misc]
        for item in current_items()
        if item.rule == "duplicate_org"
    ]


def refresh_bars(event: RoadshowEvent) -> list[Bar]:
    """Find the event's bars again and record them (a bar found before keeps its date); the
    caller commits."""
    db = get_session()
    db.flush()
    names = reviewer_names(event.id)
    accounts = dict(
        db.execute(select(User.username, User.org_id).where(User.username.in_(names))).all()
    )
    declared = db.execute(
        select(RoadshowRecusal.username, RoadshowRecusal.org_id).where(
            RoadshowRecusal.event_id == event.id
        )
    ).all()
    projects = db.scalars(
        select(RoadshowEntry.project_id).where(RoadshowEntry.event_id == event.id)
    ).all()
    orgs = entry_orgs(projects)
    found = find_bars(
        {n: accounts.get(n) for n in names},
        [(u, o) for u, o in declared],
        _twin_pairs(),
        orgs,
        organization_names({o for s in orgs.values() for o in s}),
    )
    old = {
        (b.project_id, b.username): b
        for b in db.scalars(select(RoadshowBar).where(RoadshowBar.event_id == event.id))
    }
    keep = {(b.project_id, b.username) for b in found}
    for key, gone in old.items():
        if key not in keep:
            db.delete(gone)
    stamp = now_iso()
    for bar in found:
        row = old.get((bar.project_id, bar.username))
        if row is None:
            db.add(
                RoadshowBar(
                    event_id=event.id,
                    project_id=bar.project_id,
                    username=bar.username,
                    source=bar.source,
                    org_id=bar.org_id,
                    reason=bar.reason,
                    recorded_at=stamp,
                )
            )
        else:
            row.source, row.org_id, row.reason = bar.source, bar.org_id, bar.reason
    return found


def save_score(
    event: RoadshowEvent,
    project_id: str,
    username: str,
    parts: Mapping[str, Any],
    comment: str,
    actor: str,
) -> RoadshowScore:
    """A reviewer's rubric score of one entry (saving again replaces it).

    Raises
    ------
    RoadshowError
        403 when the reviewer is not on the panel or is barred from the entry (the refusal is
        put on the audit trail with its reason), 404 for a project not entered, 409 when the
        event is finished, 422 for parts outside the rubric.
    """
    db = get_session()
    if username not in reviewer_names(event.id):
        raise RoadshowError({"event": _("您不在本次路演的评审名单中")}, status=403)
    if db.get(RoadshowEntry, (event.id, project_id)) is None:
        raise RoadshowError({"project_id": _("该项目没有参加本次路演")}, status=404)
    _open(event)
    bar = db.get(RoadshowBar, (event.id, project_id, username))
    if bar is not None:
        _audit(actor, "score_refused", event.id, {"project_id": project_id, "reason": bar.reason})
        raise RoadshowError({"project_id": _("回避：%(reason)s", reason=bar.reason)}, status=403)
    checked, errors = parse_rubric(parts)
    if errors:
        raise RoadshowError(errors, status=422)
    total = round(sum(checked.values()), 1)
    upsert(
        db,
        RoadshowScore,
        event_id=event.id,
        project_id=project_id,
        username=username,
        total=total,
        comment=(comment or "").strip()[:MAX_COMMENT],
        saved_at=now_iso(),
        **checked,
    )
    db.commit()
    _audit(actor, "score", event.id, {"project_id": project_id, "total": total})
    score = db.get(RoadshowScore, (event.id, project_id, username))
    assert score is not None
    return score


def finish_event(event: RoadshowEvent, actor: str) -> bool:
    """Close the event: freeze the ranking and awards, and write one review per scored entry
    (the combined score; reviewer = the event, date = the event's date) to the store.

    Returns False, writing nothing, when the event was already finished. The reviews are
    written before the event is marked finished: if the process stops in between, finishing
    again writes the same rows (the store keys a review by project, date and reviewer).
    """
    if event.status == "finished":
        return False
    db = get_session()
    refresh_bars(event)
    ranked = standings(event)
    reviewer = review_name(event)
    written = []
    for r in ranked:
        c = r.result
        if c.combined is None:
            continue
        comment = (
            f"{event.name}：{len(c.counted)}/{c.scored} 位评审计入（去掉最高、最低各 "
            f"{event.trim} 个）；最低 {c.low:g}，最高 {c.high:g}"
            + (f"；{r.award}" if r.award else "")
        )
        parts = {p: c.parts[p] for p in PARTS} if set(PARTS) <= set(c.parts) else None
        save_panel_review(c.project_id, c.combined, event.held_on, reviewer, comment, actor, parts)
        written.append(c.project_id)
    db.execute(delete(RoadshowResult).where(RoadshowResult.event_id == event.id))
    for r in ranked:
        c = r.result
        db.add(
            RoadshowResult(
                event_id=event.id,
                project_id=c.project_id,
                rank=r.rank,
                combined=c.combined,
                counted=len(c.counted),
                scored=c.scored,
                low=c.low,
                high=c.high,
                std=None if c.std is None else round(c.std, 2),
                award=r.award,
            )
        )
    event.status, event.finished_by, event.finished_at = "finished", actor, now_iso()
    db.commit()
    _audit(actor, "finish", event.id, {"reviews": written})
    return True
