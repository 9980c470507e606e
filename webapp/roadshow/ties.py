"""Who must not score what (回避): a reviewer tied to an organization of an entry is barred.

A reviewer is **tied** to an organization when

- ``account``: it is the organization of the reviewer's own account (``users.org_id``);
- ``declared``: the officer recorded the tie on the event (回避, reviewer × organization);
- ``integrity``: the 疑点清单 lists that organization as a suspected duplicate registration
  (``duplicate_org``) of one the reviewer is tied to by the first two — the same body under
  another name must not slip through.

An entry's organizations are its lead organization and every organization of ``project_orgs``.
:func:`find_bars` is pure; :mod:`webapp.services.roadshow` records what it finds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Bar", "find_bars", "SOURCE_LABELS"]

#: why a tie exists, as the pages say it
SOURCE_LABELS = {
    "account": "评审专家本人所属组织",
    "declared": "登记的回避关系",
    "integrity": "疑似同一组织（疑点清单：疑似重复登记）",
}


@dataclass(frozen=True)
class Bar:
    """A reviewer barred from an entry because of one organization (the first tie found)."""

    project_id: str
    username: str
    source: str
    org_id: str
    reason: str


def _tied_orgs(
    own: str | None, declared: Iterable[str], twins: Mapping[str, set[str]]
) -> dict[str, str]:
    tied: dict[str, str] = {}
    if own:
        tied[own] = "account"
    for org in sorted(declared):
        tied.setdefault(org, "declared")
    for org in list(tied):
        for twin in sorted(twins.get(org, ())):
            tied.setdefault(twin, "integrity")
    return tied


def find_bars(
    reviewers: Mapping[str, str | None],
    declared: Iterable[tuple[str, str]],
    twin_pairs: Iterable[tuple[str, str]],
    entry_orgs: Mapping[str, Iterable[str]],
    org_names: Mapping[str, str] | None = None,
) -> list[Bar]:
    """Every (entry, reviewer) pair that must not be scored, with the reason.

    Parameters
    ----------
    reviewers
        ``{username: the org_id of the account, or None}``.
    declared
        ``(username, org_id)`` ties recorded on the event.
    twin_pairs
        Pairs of organizations the 疑点清单 suspects to be one.
    entry_orgs
        ``{project_id: its organizations}``.

    Examples
    --------
    >>> bars = find_bars({"wang": "O1", "li": None, "zhao": None}, [("li", "O7")],
    ...                  [("O1", "O9")], {"P1": ["O9", "O2"], "P2": ["O7"], "P3": ["O3"]},
    ...                  {"O9": "红帆协会（筹）"})
    >>> [(b.project_id, b.username, b.source) for b in bars]
    [('P1', 'wang', 'integrity'), ('P2', 'li', 'declared')]
    >>> bars[0].reason
    '疑似同一组织（疑点清单：疑似重复登记）：红帆协会（筹）（O9）'
    """
    names = org_names or {}
    twins: dict[str, set[str]] = {}
    for a, b in twin_pairs:
        twins.setdefault(a, set()).add(b)
        twins.setdefault(b, set()).add(a)
    by_reviewer: dict[str, set[str]] = {}
    for username, org in declared:
        by_reviewer.setdefault(username, set()).add(org)
    bars = []
    for project_id in sorted(entry_orgs):
        orgs = set(entry_orgs[project_id])
        for username in sorted(reviewers):
            tied = _tied_orgs(reviewers[username], by_reviewer.get(username, ()), twins)
            hits = sorted(org for org in orgs if org in tied)
            if not hits:
                continue
            # the strongest tie first: the reviewer's own organization, then declared, then twins
            org = min(hits, key=lambda o: (list(SOURCE_LABELS).index(tied[o]), o))
            label = names.get(org, org)
            reason = f"{SOURCE_LABELS[tied[org]]}：{label}（{org}）"
            bars.append(Bar(project_id, username, tied[org], org, reason))
    return bars
