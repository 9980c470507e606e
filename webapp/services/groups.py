"""Check a group against the rules and approve it: the one operation every door calls.

The site's review form, ``POST /api/v1/partnerships`` and ``baotuan partnership add`` all call
:func:`approve_group` (the site through a :class:`GroupBatch`, which checks a batch of approvals
against its cached world). The rules themselves are :mod:`graph_schema.rules`; this module
gathers the stored facts they are checked against and makes the write. The store checks capacity
and conflicts again inside its transaction (another approval may have come in between); when it
refuses, the group is checked again against what is stored now and refused with those problems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import has_app_context

from graph_schema.errors import CapacityError, ConflictError, NotFoundError, StoreError
from graph_schema.rules import (
    MAX_GROUP,
    MAX_GROUP_RANGE,
    GroupFacts,
    GroupMember,
    GroupRefused,
    OrgFacts,
    RuleProblem,
    VillageFacts,
    group_problems,
    max_group_problem,
    shape_problems,
    with_lead,
)
from graph_schema.store import GraphStore

if TYPE_CHECKING:
    from ..officer.queries import World

__all__ = [
    "GroupBatch",
    "facts_from_store",
    "facts_from_world",
    "check_group",
    "approve_group",
    "describe_group",
]


def facts_from_store(store: GraphStore, village_id: str, org_ids: Iterable[str]) -> GroupFacts:
    """The stored facts about a village and organizations, read by key (always current).

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     facts_from_store(store, "V1", ["O1"])
    GroupFacts(village=None, orgs={})
    """
    village = None
    rows = store.query("villages", {"village_id": village_id})
    if not rows.empty:
        needs = store.query("needs", {"village_id": village_id}).sort_values(
            ["severity", "service"], ascending=[False, True]
        )
        village = VillageFacts(
            village_id,
            str(rows["name"].iloc[0]),
            tuple(needs["service"]),
            in_force=not store.query("partnerships", {"village_id": village_id}).empty,
        )
    orgs = {}
    for org_id in dict.fromkeys(org_ids):
        found = store.query("organizations", {"org_id": org_id})
        if found.empty:
            continue
        orgs[org_id] = OrgFacts(
            org_id,
            str(found["name"].iloc[0]),
            frozenset(store.query("capabilities", {"org_id": org_id})["service"]),
            used=len(store.query("partnerships", {"org_id": org_id})),
            max_villages=int(found["max_villages"].iloc[0]),
        )
    return GroupFacts(village, orgs)


def facts_from_world(
    world: World,
    village_id: str,
    org_ids: Iterable[str],
    used: Mapping[str, int] | None = None,
    taken: Collection[str] = (),
) -> GroupFacts:
    """The facts from the site's cached world, plus villages ``taken`` and capacity ``used``
    by approvals made since the world was read."""
    used = used or {}
    row = world.villages.get(village_id)
    village = None
    if row is not None:
        village = VillageFacts(
            village_id, row.name, tuple(row.needs), in_force=row.supported or village_id in taken
        )
    orgs = {}
    for org_id in dict.fromkeys(org_ids):
        org = world.orgs.get(org_id)
        if org is not None:
            orgs[org_id] = OrgFacts(
                org_id,
                org.name,
                frozenset(org.levels),
                used=org.used + used.get(org_id, 0),
                max_villages=org.max_villages,
            )
    return GroupFacts(village, orgs)


def check_group(
    facts: GroupFacts,
    village_id: str,
    members: Sequence[GroupMember],
    max_group: int = MAX_GROUP,
) -> list[RuleProblem]:
    """Every rule the group breaks (the first member leads when none is named).

    Examples
    --------
    >>> facts = GroupFacts(VillageFacts("V1", "易洼村", ("medical",), False), {})
    >>> [p.code for p in check_group(facts, "V1", [GroupMember("O9")])]
    ['unknown_organization']
    """
    return group_problems(village_id, with_lead(members), facts, max_group)


def describe_group(facts: GroupFacts, members: Iterable[GroupMember]) -> str:
    """A one-line record of a group for the decision log: ``名称(O1, 牵头)、…``.

    Examples
    --------
    >>> describe_group(GroupFacts(None, {}), [GroupMember("O1", "lead")])
    'O1(O1, 牵头)'
    """
    names = {o.org_id: o.name for o in facts.orgs.values()}
    return "、".join(
        f"{names.get(m.org_id, m.org_id)}({m.org_id}, {'牵头' if m.role == 'lead' else '成员'})"
        for m in members
    )


def _refusal_from_store(exc: StoreError, store: GraphStore, village_id: str, members, max_group):
    """The problems behind a store's refusal: checked again against what is stored now."""
    facts = facts_from_store(store, village_id, [m.org_id for m in members])
    problems = group_problems(village_id, members, facts, max_group)
    if problems:
        return GroupRefused(problems)
    code = "no_capacity" if isinstance(exc, CapacityError) else "village_in_force"
    return GroupRefused([RuleProblem(code, str(exc), "members", {})])


def approve_group(
    store: GraphStore,
    village_id: str,
    members: Sequence[GroupMember],
    actor: str,
    *,
    max_group: int = MAX_GROUP,
    since: str | None = None,
    facts: GroupFacts | None = None,
    run_id: int | None = None,
    decision: str = "accepted",
) -> list[GroupMember]:
    """Check a group, make it the partnership in force and keep the decision on a run.

    ``facts`` default to a keyed read of ``store``; ``run_id`` (the site's matcher run) also
    keeps ``decision`` on that run's recommendation. Returns the members as stored (the first
    leads when none is named).

    Raises
    ------
    GroupRefused
        With every broken rule; nothing is written.

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     approve_group(store, "V1", [GroupMember("O1")], actor="cli")
    Traceback (most recent call last):
    graph_schema.rules.GroupRefused: village_id: village V1 does not exist; members[0].org_id: ...
    """
    members = with_lead(members)
    if len(members) > MAX_GROUP_RANGE[-1]:  # refused by its size alone, before any lookup
        too_big = [max_group_problem(max_group), *shape_problems(members, max_group)]
        raise GroupRefused([p for p in too_big if p is not None])
    if facts is None:
        facts = facts_from_store(store, village_id, [m.org_id for m in members])
    problems = group_problems(village_id, members, facts, max_group)
    if problems:
        raise GroupRefused(problems)
    note = describe_group(facts, members)
    try:
        _write_approval(store, village_id, members, actor, since, run_id, decision, note)
    except (CapacityError, ConflictError, NotFoundError) as exc:
        raise _refusal_from_store(exc, store, village_id, members, max_group) from None
    return members


def _write_approval(
    store: GraphStore,
    village_id: str,
    members: list[GroupMember],
    actor: str,
    since: str | None,
    run_id: int | None,
    decision: str,
    note: str,
) -> None:
    # In the site (an app context): one recoverable unit — an intent in the site database, the
    # partnership in force (the store checks capacity and conflicts again in its transaction),
    # then the decision on the run (see webapp.sitedb.approvals). The command line has no site
    # database and no run: the store's own transaction is the whole approval there.
    if not has_app_context():
        if run_id is not None:
            raise ValueError("a decision on a matcher run needs the site (an app context)")
        store.approve_group(village_id, members, actor=actor, since=since)
        return
    from flask import current_app

    from ..sitedb import get_session
    from ..sitedb.approvals import approve_as_one_unit
    from .letters import issuer

    approve_as_one_unit(
        get_session(),
        store,
        village_id,
        members,
        actor,
        since=since,
        run_id=run_id,
        decision=decision,
        note=note,
        issue=issuer(current_app.config),
    )


@dataclass
class GroupBatch:
    """Groups checked and approved one after another against one cached world (the site).

    It remembers what it approved, so a batch (accept many) checks each group against the
    villages and capacity the previous ones took, before the cached world is derived again.
    """

    world: World
    max_group: int = MAX_GROUP
    used: Counter = field(default_factory=Counter)
    taken: set[str] = field(default_factory=set)

    def facts(self, village_id: str, members: Sequence[GroupMember]) -> GroupFacts:
        return facts_from_world(
            self.world, village_id, [m.org_id for m in members], self.used, self.taken
        )

    def problems(self, village_id: str, members: Sequence[GroupMember]) -> list[RuleProblem]:
        """Every rule the group breaks (empty when it is fine)."""
        return check_group(self.facts(village_id, members), village_id, members, self.max_group)

    def approve(
        self,
        store: GraphStore,
        village_id: str,
        members: Sequence[GroupMember],
        actor: str,
        run_id: int | None = None,
        decision: str = "accepted",
    ) -> list[GroupMember]:
        """:func:`approve_group` with this batch's facts; raises :class:`GroupRefused`."""
        approved = approve_group(
            store,
            village_id,
            members,
            actor,
            max_group=self.max_group,
            facts=self.facts(village_id, members),
            run_id=run_id,
            decision=decision,
        )
        self.taken.add(village_id)
        self.used.update(m.org_id for m in approved)
        return approved

    def covers(self, village_id: str, org_id: str) -> list[str]:
        """The village's needs that the organization provides, most urgent first."""
        village, org = self.world.villages.get(village_id), self.world.orgs.get(org_id)
        if village is None or org is None:
            return []
        return [s for s in village.needs if s in org.levels]
