"""The rules of a group (抱团), written once: every door (site form, API, command line) checks here.

A group is approved for one village. It must have at least one and at most ``max_group``
organizations (default :data:`MAX_GROUP`; a matcher run or a check may choose another value in
:data:`MAX_GROUP_RANGE`), exactly one lead (when none is named the first member leads, see
:func:`with_lead`), no organization twice; the village and every organization must exist, every
member must provide at least one of the village's needs, the village must have no partnership in
force and every member must have a village left in its ``max_villages``.

:func:`group_problems` returns every broken rule as a :class:`RuleProblem` with a stable
``code`` (the table in ``docs/rules.md``), an English ``what`` and ``where`` it is; web doors
turn the code and ``params`` into a message in the visitor's language. The stores check capacity
and conflicts once more inside their write transaction, because another approval may have come
in between the check and the write (see ``docs/rules.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import GraphSchemaError

__all__ = [
    "MAX_GROUP",
    "MAX_GROUP_RANGE",
    "RULE_CODES",
    "GroupMember",
    "RuleProblem",
    "GroupRefused",
    "VillageFacts",
    "OrgFacts",
    "GroupFacts",
    "max_group_problem",
    "with_lead",
    "shape_problems",
    "group_problems",
]

#: organizations in a group at most, unless a run or a check says otherwise
MAX_GROUP = 4
#: the values a run or a check may choose for ``max_group``
MAX_GROUP_RANGE = range(1, 11)

#: every rule's code (the rows of the table in docs/rules.md)
RULE_CODES = (
    "max_group_range",
    "unknown_village",
    "village_in_force",
    "no_members",
    "too_many_members",
    "lead_count",
    "duplicate_member",
    "unknown_organization",
    "no_capacity",
    "needs_not_provided",
)


@dataclass(frozen=True)
class GroupMember:
    """One organization of a group (抱团) approved for a village."""

    org_id: str
    role: str = "member"  # "lead" or "member"


@dataclass(frozen=True)
class RuleProblem:
    """One broken rule: a stable ``code``, what is wrong (English) and where.

    ``params`` hold the values a door needs to word the message in its own language.
    """

    code: str
    what: str
    where: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


class GroupRefused(GraphSchemaError):
    """A group broke the rules; nothing was stored. ``problems`` lists every broken rule."""

    def __init__(self, problems: Sequence[RuleProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


@dataclass(frozen=True)
class VillageFacts:
    """What the rules need about a village: its needs (most urgent first), whether it has a
    group in force."""

    village_id: str
    name: str
    needs: tuple[str, ...]
    in_force: bool


@dataclass(frozen=True)
class OrgFacts:
    """What the rules need about an organization: the services it provides, how many villages
    it supports now (``used``) and at most (``max_villages``)."""

    org_id: str
    name: str
    provides: frozenset[str]
    used: int
    max_villages: int


@dataclass(frozen=True)
class GroupFacts:
    """The stored facts a group is checked against (``village`` is None when it does not exist;
    an organization missing from ``orgs`` does not exist)."""

    village: VillageFacts | None
    orgs: Mapping[str, OrgFacts]


def max_group_problem(max_group: int) -> RuleProblem | None:
    """The problem with a chosen ``max_group``, or None when it is in :data:`MAX_GROUP_RANGE`.

    Examples
    --------
    >>> max_group_problem(4) is None
    True
    >>> max_group_problem(11).code
    'max_group_range'
    """
    if max_group in MAX_GROUP_RANGE:
        return None
    low, high = MAX_GROUP_RANGE[0], MAX_GROUP_RANGE[-1]
    return RuleProblem(
        "max_group_range",
        f"organizations per group must be between {low} and {high}, not {max_group}",
        "max_group",
        {"low": low, "high": high, "value": max_group},
    )


def with_lead(members: Iterable[GroupMember]) -> list[GroupMember]:
    """The members with the first one as lead when none is named (every door does this).

    Examples
    --------
    >>> [m.role for m in with_lead([GroupMember("O1"), GroupMember("O2")])]
    ['lead', 'member']
    >>> [m.role for m in with_lead([GroupMember("O1"), GroupMember("O2", "lead")])]
    ['member', 'lead']
    """
    members = list(members)
    if members and not any(m.role == "lead" for m in members):
        members[0] = GroupMember(members[0].org_id, "lead")
    return members


def shape_problems(members: Sequence[GroupMember], max_group: int = MAX_GROUP) -> list[RuleProblem]:
    """The rules a group breaks whatever is stored: size, one lead, no organization twice.

    Examples
    --------
    >>> [p.code for p in shape_problems([GroupMember("O1", "lead"), GroupMember("O1", "lead")])]
    ['lead_count', 'duplicate_member']
    """
    out = []
    size = len(members)
    if not members:
        out.append(RuleProblem("no_members", "a group needs at least one organization", "members"))
    if size > max_group:
        out.append(
            RuleProblem(
                "too_many_members",
                f"a group has at most {max_group} organizations, not {size}",
                "members",
                {"max_group": max_group, "size": size, "over": size - max_group},
            )
        )
    leads = [i for i, m in enumerate(members) if m.role == "lead"]
    if members and len(leads) != 1:
        out.append(
            RuleProblem(
                "lead_count",
                f"a group has exactly one lead organization, not {len(leads)}",
                f"members[{leads[-1] if leads else 0}].role",
                {"leads": len(leads)},
            )
        )
    seen: set[str] = set()
    for i, m in enumerate(members):
        if m.org_id in seen:
            out.append(
                RuleProblem(
                    "duplicate_member",
                    f"organization {m.org_id} appears twice in the group",
                    f"members[{i}].org_id",
                    {"org_id": m.org_id},
                )
            )
        seen.add(m.org_id)
    return out


def _village_problems(village_id: str, village: VillageFacts | None) -> list[RuleProblem]:
    if village is None:
        return [
            RuleProblem(
                "unknown_village",
                f"village {village_id} does not exist",
                "village_id",
                {"village_id": village_id},
            )
        ]
    if village.in_force:
        return [
            RuleProblem(
                "village_in_force",
                f"village {village_id} already has a group in force",
                "village_id",
                {"village_id": village_id, "name": village.name},
            )
        ]
    return []


def _member_problems(
    index: int, org_id: str, org: OrgFacts | None, village: VillageFacts | None
) -> list[RuleProblem]:
    where = f"members[{index}].org_id"
    if org is None:
        return [
            RuleProblem(
                "unknown_organization",
                f"organization {org_id} does not exist",
                where,
                {"org_id": org_id},
            )
        ]
    out = []
    named = {"org_id": org_id, "name": org.name}
    if org.used >= org.max_villages:
        out.append(
            RuleProblem(
                "no_capacity",
                f"organization {org_id} already supports {org.used} of at most "
                f"{org.max_villages} villages",
                where,
                {**named, "used": org.used, "max_villages": org.max_villages},
            )
        )
    if village is not None and village.needs and not org.provides & set(village.needs):
        out.append(
            RuleProblem(
                "needs_not_provided",
                f"organization {org_id} provides none of the services village "
                f"{village.village_id} needs ({', '.join(village.needs)})",
                where,
                {
                    **named,
                    "village_id": village.village_id,
                    "village": village.name,
                    "needs": village.needs,
                },
            )
        )
    return out


def group_problems(
    village_id: str,
    members: Sequence[GroupMember],
    facts: GroupFacts,
    max_group: int = MAX_GROUP,
) -> list[RuleProblem]:
    """Every rule the group breaks for ``village_id`` (empty when it may be approved).

    ``members`` are checked as given (call :func:`with_lead` first to let the first one lead).

    Examples
    --------
    >>> village = VillageFacts("V1", "易洼村", ("medical",), in_force=False)
    >>> orgs = {"O1": OrgFacts("O1", "仁心", frozenset({"medical"}), used=0, max_villages=2),
    ...         "O2": OrgFacts("O2", "书香", frozenset({"education"}), used=1, max_villages=1)}
    >>> facts = GroupFacts(village, orgs)
    >>> group_problems("V1", [GroupMember("O1", "lead")], facts)
    []
    >>> [(p.code, p.where) for p in group_problems(
    ...     "V1", [GroupMember("O1", "lead"), GroupMember("O2")], facts)]
    [('no_capacity', 'members[1].org_id'), ('needs_not_provided', 'members[1].org_id')]
    """
    out = []
    bad_max = max_group_problem(max_group)
    if bad_max is not None:
        out.append(bad_max)
    out += _village_problems(village_id, facts.village)
    out += shape_problems(members, max_group)
    first_seen: dict[str, int] = {}
    for i, m in enumerate(members):
        first_seen.setdefault(m.org_id, i)
    for org_id, i in first_seen.items():
        out += _member_problems(i, org_id, facts.orgs.get(org_id), facts.village)
    return out
