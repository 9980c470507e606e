"""An approval's writes as one unit, or recoverable as one: intent, store, decision.

An approval writes to two databases: the partnership in force goes to the graph store (SQLite
file or Neo4j), the officer's decision on the run's recommendation to the site database, and
each member's letter (a record, docs/letters.md) to the store right after the partnership (the
``issue`` step). No transaction spans both databases, so the writes go in this order, each step committed before the next:

1. an **intent** row (``approval_intents``, state ``pending``) in the site database: what is to be
   approved, by whom, for which run;
2. the **partnership** in the store (``GraphStore.approve_group``, one store transaction with its
   audit entry);
3. the **decision** (``recommendation_decisions``, with a run) and the intent marked ``done``, in
   one site-database transaction.

A process killed (or a machine lost) between the steps leaves an intent that is not ``done``.
:func:`repair_intents` — run by :func:`init_app` when the site starts — settles each one by asking
the store: if the village's partnership in force is the intent's group, step 2 happened, and the
repair finishes step 3; otherwise nothing reached the store and the intent is marked ``undone``.
Either way the partnership and the decision agree. A store refusal (capacity taken, another group
approved first) marks the intent ``undone`` at once. Finishing is idempotent (the decision is an
upsert), so a repair running on one web server while another is between steps 2 and 3 is safe;
and an intent marked ``undone`` whose store write lands afterwards (a very slow store) is
finished by that approval's own step 3 or by the next repair. See docs/site-data.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from graph_schema.errors import CapacityError, ConflictError, NotFoundError
from graph_schema.store import GraphStore
from graph_schema.store.base import GroupMember, now_iso

from .models import ApprovalIntent, RecommendationDecision
from .upsert import upsert

__all__ = [
    "approve_as_one_unit",
    "repair_intents",
    "Settled",
    "init_app",
    "REFUSALS",
    "IssueLetters",
]

#: issues the letters of a village's group in force: ``(session, store, village_id, actor)``
#: (``webapp.services.letters.issuer``); part of the unit between the store write and step 3
IssueLetters = Callable[[Session, GraphStore, str, str], object]

_UNDONE_BY_REPAIR = "undone by the repair"
#: what the store raises when it refuses a group (nothing was written)
REFUSALS = (CapacityError, ConflictError, NotFoundError)


@dataclass(frozen=True)
class Settled:
    """What the repair did with an intent left unfinished: ``finished`` or ``undone``."""

    intent_id: int
    village_id: str
    outcome: str


def _members_of(intent: ApprovalIntent) -> list[GroupMember]:
    return [GroupMember(org_id, role) for org_id, role in json.loads(intent.members_json)]


def _finish(session: Session, intent: ApprovalIntent, outcome: str) -> None:
    """Step 3: keep the decision (with a run) and mark the intent done, in one transaction."""
    if intent.run_id is not None:
        upsert(
            session,
            RecommendationDecision,
            run_id=intent.run_id,
            village_id=intent.village_id,
            decision=intent.decision,
            decided_by=intent.actor,
            decided_at=now_iso(),
            note=intent.note,
        )
    session.execute(
        update(ApprovalIntent)
        .where(ApprovalIntent.id == intent.id)
        .values(state="done", finished_at=now_iso(), outcome=outcome)
    )
    session.commit()


def _undo(session: Session, intent_id: int, outcome: str) -> None:
    session.execute(
        update(ApprovalIntent)
        .where(ApprovalIntent.id == intent_id, ApprovalIntent.state == "pending")
        .values(state="undone", finished_at=now_iso(), outcome=outcome)
    )
    session.commit()


def approve_as_one_unit(
    session: Session,
    store: GraphStore,
    village_id: str,
    members: Sequence[GroupMember],
    actor: str,
    *,
    since: str | None = None,
    run_id: int | None = None,
    decision: str = "accepted",
    note: str = "",
    issue: IssueLetters | None = None,
) -> int:
    """Make ``members`` the village's partnership in force and keep the decision, recoverably.

    Returns the intent's id. The store's refusals (:data:`REFUSALS`) pass through, with the
    intent marked ``undone``; any other failure leaves the intent for :func:`repair_intents`.

    Examples
    --------
    A village the store does not know: the store refuses, and the intent says so.

    >>> import tempfile
    >>> from graph_schema.store import SqliteGraphStore
    >>> from webapp.sitedb.engine import make_engine
    >>> from webapp.sitedb.migrate import upgrade_to_head
    >>> engine = make_engine("sqlite://")
    >>> upgrade_to_head(engine)
    >>> store = SqliteGraphStore(tempfile.mkdtemp() + "/world.sqlite")
    >>> with Session(engine) as session:
    ...     try:
    ...         approve_as_one_unit(session, store, "V1", [GroupMember("O1", "lead")], "o")
    ...     except NotFoundError:
    ...         print(session.scalars(select(ApprovalIntent.state)).one())
    undone
    >>> store.close()
    """
    intent = ApprovalIntent(
        village_id=village_id,
        members_json=json.dumps([[m.org_id, m.role] for m in members]),
        actor=actor,
        run_id=run_id,
        decision=decision,
        note=note,
        state="pending",
        created_at=now_iso(),
    )
    session.add(intent)
    session.commit()  # step 1: the intent outlives this process
    try:
        store.approve_group(village_id, list(members), actor=actor, since=since)  # step 2
    except REFUSALS as exc:
        _undo(session, intent.id, f"refused by the store: {exc}")
        raise
    if issue is not None:  # the letters, once each (a failure here leaves it to the repair)
        issue(session, store, village_id, actor)
    _finish(session, intent, "approved")  # step 3
    return int(intent.id)


def _newest_intent_by_village(session: Session, villages: set[str]) -> dict[str, int]:
    query = (
        select(ApprovalIntent.village_id, func.max(ApprovalIntent.id))
        .where(ApprovalIntent.village_id.in_(villages))
        .group_by(ApprovalIntent.village_id)
    )
    return {village: int(newest) for village, newest in session.execute(query)}


def _in_force(store: GraphStore, village_id: str) -> set[tuple[str, str]]:
    rows = store.query("partnerships", {"village_id": village_id})
    return {(str(o), str(r)) for o, r in zip(rows["org_id"], rows["role"], strict=True)}


def repair_intents(
    session: Session, store: GraphStore, issue: IssueLetters | None = None
) -> list[Settled]:
    """Settle every approval intent left unfinished, by what the store holds (see the module).

    Looks at ``pending`` intents, and at ``undone`` ones whose group is nevertheless in force
    without a recorded finish (a store write that landed after a repair gave up on it).
    """
    out = []
    unsettled = session.scalars(
        select(ApprovalIntent)
        .where(
            (ApprovalIntent.state == "pending")
            | (
                (ApprovalIntent.state == "undone")
                & ApprovalIntent.outcome.startswith(_UNDONE_BY_REPAIR)
            )
        )
        .order_by(ApprovalIntent.id)
    ).all()
    newest = _newest_intent_by_village(session, {i.village_id for i in unsettled})
    for intent in unsettled:
        if intent.state == "undone" and newest[intent.village_id] != intent.id:
            continue  # the village has been approved (or tried) again since: that one counts
        wanted = {(m.org_id, m.role) for m in _members_of(intent)}
        if _in_force(store, intent.village_id) == wanted:
            if issue is not None:  # letters left un-issued: issuing is idempotent per letter
                issue(session, store, intent.village_id, intent.actor)
            _finish(session, intent, "finished by the repair: the partnership is in the store")
            out.append(Settled(intent.id, intent.village_id, "finished"))
        elif intent.state == "pending":
            _undo(session, intent.id, f"{_UNDONE_BY_REPAIR}: the store has no such partnership")
            out.append(Settled(intent.id, intent.village_id, "undone"))
    return out


def init_app(app: Flask) -> list[Settled]:
    """Repair the approvals a stopped process left unfinished (call once the store is open)."""
    from ..services.letters import issuer
    from . import EXTENSION

    with app.app_context(), app.extensions[EXTENSION]() as session:
        settled = repair_intents(session, app.extensions["baotuan_store"], issuer(app.config))
    for item in settled:
        app.logger.warning(
            "approval intent %s for village %s: %s", item.intent_id, item.village_id, item.outcome
        )
    return settled
