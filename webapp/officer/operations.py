"""The officer's group form read into members; the group rules and the approval itself are
:mod:`graph_schema.rules` and :func:`webapp.services.groups.approve_group`."""

from __future__ import annotations

from collections.abc import Iterable

from graph_schema.rules import GroupMember

__all__ = ["parse_members"]


def parse_members(org_ids: Iterable[str], leads: str | Iterable[str] | None) -> list[GroupMember]:
    """Members from a form: the filled-in organization ids in order; ``leads`` the index (or
    indexes, as posted) of the lead.

    Without a valid lead the first organization leads (as at every door); two leads stay two,
    for the rules to refuse.

    Examples
    --------
    >>> [(m.org_id, m.role) for m in parse_members(["O1", " ", "O2"], "2")]
    [('O1', 'member'), ('O2', 'lead')]
    >>> [m.role for m in parse_members(["O1", "O2"], ["0", "1"])]
    ['lead', 'lead']
    """
    if leads is None or isinstance(leads, str):
        leads = [leads or ""]
    rows = [(i, o.strip()) for i, o in enumerate(org_ids)]
    filled = [(i, o) for i, o in rows if o]
    chosen = {int(x) for x in leads if x.isdigit()} & {i for i, _o in filled}
    if not chosen and filled:
        chosen = {filled[0][0]}
    return [GroupMember(o, "lead" if i in chosen else "member") for i, o in filled]
