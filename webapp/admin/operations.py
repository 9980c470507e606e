"""Writes of the admin folder (issue 14 point 1: the views call these).

The site's kept import uploads (:class:`~webapp.sitedb.models_imports.ImportUpload`): keep a
validated upload, expire old ones, move one from status to status; and the audit entries of
refused imports and full exports, which change no data. The steps around them (read, preview):
:mod:`webapp.admin.import_flow`; docs/imports.md.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from graph_schema.store.base import GraphStore

from ..services.events import record_event
from ..sitedb.models_imports import ImportUpload
from .import_flow import UPLOAD_HOURS

__all__ = [
    "keep_upload",
    "expire_uploads",
    "claim",
    "set_upload_versions",
    "audit_refused_import",
    "audit_export",
]


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def keep_upload(
    session: Session, actor: str, name: str, data: bytes, versions: str
) -> ImportUpload:
    """Keep a validated upload for :data:`UPLOAD_HOURS` under a new token (committed)."""
    now = datetime.now(UTC)
    row = ImportUpload(
        token=secrets.token_urlsafe(24),
        actor=actor,
        file_name=name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=_iso(now),
        expires_at=_iso(now + timedelta(hours=UPLOAD_HOURS)),
        store_versions=versions,
        status="pending",
    )
    session.add(row)
    session.commit()
    return row


def expire_uploads(session: Session) -> int:
    """Mark pending uploads past their time ``expired`` and drop their bytes; how many."""
    result = session.execute(
        update(ImportUpload)
        .where(ImportUpload.status == "pending", ImportUpload.expires_at < _iso(datetime.now(UTC)))
        .values(status="expired", data=b"")
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(session: Session, upload_id: int, was: str, becomes: str, **values) -> bool:
    """Move upload ``upload_id`` from status ``was`` to ``becomes`` if nobody did it first."""
    result = session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload_id, ImportUpload.status == was)
        .values(status=becomes, **values)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_upload_versions(session: Session, row: ImportUpload, versions: str) -> None:
    """The pending upload was previewed again on the store's ``versions`` (committed)."""
    row.store_versions = versions
    session.commit()


def audit_refused_import(
    store: GraphStore, actor: str, name: str, total: int, first: list[str]
) -> None:
    """An upload refused whole on the audit trail (nothing of it was stored).

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     audit_refused_import(store, "admin:a", "data.xlsx", 3, ["villages.csv:2: bad"])
    ...     entry = store.audit_log(limit=1)[0]
    >>> entry.action, entry.target, entry.after["problems"]
    ('import_refused', 'upload:data.xlsx', 3)
    """
    record_event(
        store, actor, "import_refused", f"upload:{name}", {"problems": total, "first": first}
    )


def audit_export(store: GraphStore, actor: str, name: str, rows: dict[str, int]) -> None:
    """Who downloaded everything stored, and how many rows per table.

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     audit_export(store, "admin:a", "baotuan-export.xlsx", {"villages": 2})
    ...     [(e.action, e.after) for e in store.audit_log(limit=1)]
    [('export', {'rows': {'villages': 2}})]
    """
    record_event(store, actor, "export", name, {"rows": rows})
