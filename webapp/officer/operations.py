"""Writes of the officer pages: check a group against the rules, approve it, keep the decision.

The rules an officer's changes are checked against at once, each with a message that says what to
change: at most ``max_group`` organizations, each with a village left in its capacity, each
providing at least one service the village needs, one lead, no organization twice, and the village
not already in a group. The store checks capacity and conflicts again inside its transaction
(another officer may have approved in between), and its refusal is shown the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _

from graph_schema.errors import CapacityError, ConflictError, NotFoundError
from graph_schema.store import GraphStore
from graph_schema.store.base import GroupMember

from .queries import World
from .runs import record_decision

__all__ = ["GroupRefused", "GroupChecker", "parse_members", "describe_group"]


class GroupRefused(Exception):
    """A group broke the rules; ``problems`` are the messages to show."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def parse_members(org_ids: Iterable[str], lead: str | None) -> list[GroupMember]:
    """Members from a form: the filled-in organization ids in order, ``lead`` the index of the lead.

    Without a valid lead the first organization leads.

    Examples
    --------
    >>> [(m.org_id, m.role) for m in parse_members(["O1", " ", "O2"], "2")]
    [('O1', 'member'), ('O2', 'lead')]
    """
    rows = [(i, o.strip()) for i, o in enumerate(org_ids)]
    filled = [(i, o) for i, o in rows if o]
    lead_index = int(lead) if lead and lead.isdigit() else None
    if lead_index not in {i for i, _o in filled}:
        lead_index = filled[0][0] if filled else None
    return [GroupMember(o, "lead" if i == lead_index else "member") for i, o in filled]


def describe_group(world: World, members: Iterable[GroupMember]) -> str:
    """A one-line record of a group for the decision log: ``名称(O1, 牵头)、…``."""
    return "、".join(
        f"{world.org_name(m.org_id)}({m.org_id}, {'牵头' if m.role == 'lead' else '成员'})"
        for m in members
    )


@dataclass
class GroupChecker:
    """Checks groups for villages against the rules, and approves them one after another.

    It remembers what it approved, so a batch (accept many) checks each group against the
    capacity the previous ones used, before the cached :class:`World` is rebuilt.
    """

    world: World
    max_group: int
    used: Counter = field(default_factory=Counter)
    approved: set[str] = field(default_factory=set)

    def problems(self, village_id: str, members: Sequence[GroupMember]) -> list[str]:
        """Every rule the group breaks, as messages for the officer (empty when it is fine)."""
        village = self.world.villages.get(village_id)
        if village is None:
            return [_("村 %(v)s 不存在", v=village_id)]
        out = []
        if village.supported or village_id in self.approved:
            out.append(
                _(
                    "%(v)s 已有在帮的抱团，不能再批准新的抱团（请先在村页面结束原帮扶关系）",
                    v=village.name,
                )
            )
        if not members:
            out.append(_("请至少选择一个社会组织"))
        if len(members) > self.max_group:
            out.append(
                _(
                    "一个抱团最多 %(n)s 个组织，现在有 %(m)s 个，请去掉 %(k)s 个",
                    n=self.max_group,
                    m=len(members),
                    k=len(members) - self.max_group,
                )
            )
        ids = [m.org_id for m in members]
        for org_id in sorted({o for o in ids if ids.count(o) > 1}):
            out.append(_("组织 %(o)s 在抱团中出现了两次", o=org_id))
        if sum(m.role == "lead" for m in members) > 1:
            out.append(_("一个抱团只能有一个牵头组织"))
        for org_id in dict.fromkeys(ids):
            out.extend(self._org_problems(village, org_id))
        return out

    def _org_problems(self, village, org_id: str) -> list[str]:
        org = self.world.orgs.get(org_id)
        if org is None:
            return [_("找不到编号为 %(o)s 的社会组织", o=org_id)]
        out = []
        used = org.used + self.used[org_id]
        if used >= org.max_villages:
            out.append(
                _(
                    "%(name)s（%(o)s）已帮扶 %(u)s 个村，达到其最多 %(m)s 个村的帮扶容量，没有剩余容量",
                    name=org.name,
                    o=org_id,
                    u=used,
                    m=org.max_villages,
                )
            )
        if village.needs and not any(s in org.levels for s in village.needs):
            from ..templating import service_label

            out.append(
                _(
                    "%(name)s（%(o)s）不提供 %(v)s 需要的任何服务（需要：%(needs)s）",
                    name=org.name,
                    o=org_id,
                    v=village.name,
                    needs="、".join(service_label(s) for s in village.needs),
                )
            )
        return out

    def covers(self, village_id: str, org_id: str) -> list[str]:
        """The village's needs that the organization provides, most urgent first."""
        village, org = self.world.villages.get(village_id), self.world.orgs.get(org_id)
        if village is None or org is None:
            return []
        return [s for s in village.needs if s in org.levels]

    def approve(
        self,
        store: GraphStore,
        village_id: str,
        members: Sequence[GroupMember],
        actor: str,
        run_id: int | None = None,
        decision: str = "accepted",
    ) -> None:
        """Check the group, make it the partnership in force and keep the decision.

        Raises :class:`GroupRefused` with the messages when a rule is broken or the store refuses.
        """
        problems = self.problems(village_id, members)
        if problems:
            raise GroupRefused(problems)
        try:
            store.approve_group(village_id, list(members), actor=actor)
        except (CapacityError, ConflictError, NotFoundError) as exc:
            raise GroupRefused([str(exc)]) from None
        self.approved.add(village_id)
        self.used.update(m.org_id for m in members)
        if run_id is not None:
            record_decision(
                run_id, village_id, decision, actor, describe_group(self.world, members)
            )
