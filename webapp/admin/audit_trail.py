"""Read the audit trail for people: filter, page, show changes, export as CSV or XLSX.

Works on any :class:`~graph_schema.store.GraphStore` through its ``audit_log`` (newest first,
filtered by action): the actor and date filters are applied here, reading the log in chunks and
stopping at the first entry older than the chosen start date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from graph_schema.store import AuditEntry, GraphStore

from .labels import action_label

__all__ = [
    "AuditFilter",
    "AuditPage",
    "iter_audit",
    "audit_page",
    "local_time",
    "changes",
    "as_json",
    "EXPORT_COLUMNS",
    "export_rows",
    "audit_csv",
    "audit_xlsx",
]

#: the trail is kept in UTC; people read and filter it in the city's time
DEFAULT_TIMEZONE = "Asia/Shanghai"
_CHUNK = 500


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def local_time(at: str, zone: str | None = None) -> str:
    """An entry's UTC time as local ``YYYY-MM-DD HH:MM:SS``.

    Examples
    --------
    >>> local_time("2020-06-30T16:30:00+00:00")
    '2020-07-01 00:30:00'
    """
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: an exact action, an actor (part of the name), local dates inclusive."""

    action: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    zone: str | None = None

    @classmethod
    def from_args(cls, args, zone: str | None = None) -> AuditFilter:
        """Read ``action``, ``actor``, ``from`` and ``to`` (YYYY-MM-DD; a bad date is ignored)."""

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(args.get(name, "").strip())
            except ValueError:
                return None

        return cls(
            args.get("action", "").strip(),
            args.get("actor", "").strip(),
            day("from"),
            day("to"),
            zone,
        )

    def day_of(self, entry: AuditEntry) -> str:
        return local_time(entry.at, self.zone)[:10]

    def before_start(self, entry: AuditEntry) -> bool:
        return self.date_from is not None and self.day_of(entry) < self.date_from.isoformat()

    def matches(self, entry: AuditEntry) -> bool:
        if self.action and entry.action != self.action:
            return False
        if self.actor and self.actor.lower() not in entry.actor.lower():
            return False
        day = self.day_of(entry)
        if self.date_from is not None and day < self.date_from.isoformat():
            return False
        return self.date_to is None or day <= self.date_to.isoformat()

    def query(self) -> dict[str, str]:
        """The filter as query-string arguments (for paging and export links)."""
        out = {"action": self.action, "actor": self.actor}
        out["from"] = self.date_from.isoformat() if self.date_from else ""
        out["to"] = self.date_to.isoformat() if self.date_to else ""
        return {k: v for k, v in out.items() if v}


def iter_audit(store: GraphStore, flt: AuditFilter) -> Iterator[AuditEntry]:
    """Every entry that matches ``flt``, newest first, each exactly once.

    Entries appended while this runs shift the offsets; an entry is yielded only when its
    sequence number is below every one yielded before, so none repeats.
    """
    offset = 0
    lowest: int | None = None
    while True:
        batch = store.audit_log(limit=_CHUNK, offset=offset, action=flt.action or None)
        for entry in batch:
            if lowest is not None and entry.seq >= lowest:
                continue
            lowest = entry.seq
            if flt.before_start(entry):
                return
            if flt.matches(entry):
                yield entry
        if len(batch) < _CHUNK:
            return
        offset += _CHUNK


@dataclass
class AuditPage:
    """One page of the trail: ``has_next`` says whether another page follows."""

    items: list[AuditEntry]
    number: int
    has_next: bool


def audit_page(store: GraphStore, flt: AuditFilter, number: int = 1, size: int = 50) -> AuditPage:
    """Page ``number`` (from 1) of the entries matching ``flt``."""
    number = max(number, 1)
    skip = (number - 1) * size
    items: list[AuditEntry] = []
    for i, entry in enumerate(iter_audit(store, flt)):
        if i < skip:
            continue
        if len(items) == size:
            return AuditPage(items, number, True)
        items.append(entry)
    return AuditPage(items, number, False)


def as_json(value: Any) -> str:
    """A value of the trail as one line of JSON ('' for nothing)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """``(field, before, after)`` for each field that differs when both sides are records.

    Examples
    --------
    >>> changes({"status": "pending", "x": 1}, {"status": "active", "x": 1})
    [('status', 'pending', 'active')]
    >>> changes([{"level": 3}], [{"level": 4}])
    [('level', '3', '4')]
    """
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after) == 1:
        before, after = before[0], after[0]
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    out = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old != new:
            out.append((str(key), "" if old is None else str(old), "" if new is None else str(new)))
    return out


#: the person by name (操作人) and, for an inspector, the account that acted (账号)
EXPORT_COLUMNS = (
    "序号",
    "时间（北京时间）",
    "时间（UTC）",
    "操作人",
    "账号",
    "操作",
    "操作代码",
    "对象",
    "变更前",
    "变更后",
)


def export_rows(
    entries: Iterator[AuditEntry],
    zone: str | None = None,
    name: Callable[[str], str] = str,
) -> Iterator[list[str]]:
    """One row of text per entry, in the order of :data:`EXPORT_COLUMNS`.

    ``name(actor)`` is the person's display name (the site passes ``people_time.person``).

    Examples
    --------
    >>> entry = AuditEntry(7, "2026-12-01T23:30:00+00:00", "officer:li", "x", "V1", None, None)
    >>> next(export_rows(iter([entry]), name=lambda actor: "李干部"))[:5]
    ['7', '2026-12-02 07:30:00', '2026-12-01T23:30:00+00:00', '李干部', 'officer:li']
    """
    for e in entries:
        yield [
            str(e.seq),
            local_time(e.at, zone),
            e.at,
            name(e.actor),
            e.actor,
            action_label(e.action),
            e.action,
            e.target,
            as_json(e.before),
            as_json(e.after),
        ]


def _csv_cell(text: str) -> str:
    # A cell that starts like a formula is run by Excel when the file is opened: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(
    entries: Iterator[AuditEntry], zone: str | None = None, name: Callable[[str], str] = str
) -> Iterator[str]:
    """The trail as CSV text in pieces (UTF-8 with a BOM so that Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    for i, row in enumerate(export_rows(entries, zone, name)):
        writer.writerow([_csv_cell(c) for c in row])
        if i % 500 == 499:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def audit_xlsx(
    entries: Iterator[AuditEntry], path, zone: str | None = None, name: Callable[[str], str] = str
) -> None:
    """Write the trail as one sheet of an ``.xlsx`` workbook (every cell text, none a formula)."""
    from graph_schema.contract.xlsx_out import Sheet, write_workbook

    # every cell is text (export_rows gives strings): the one writer keeps '=...' literal
    write_workbook([Sheet("审计记录", EXPORT_COLUMNS, export_rows(entries, zone, name))], path)
