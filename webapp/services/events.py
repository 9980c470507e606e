"""Events that change no data (an export, a rejection) on the store's audit trail."""

from __future__ import annotations

from typing import Any

from graph_schema.store import GraphStore

__all__ = ["record_event"]


def record_event(
    store: GraphStore, actor: str, action: str, target: str, after: Any = None
) -> None:
    """Put an event that changes no data (an export, a rejection) on the audit trail.

    It moves no table version, so a cached world stays valid.

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     record_event(store, "officer:w", "export_letters", "village:V1", {"n": 2})
    ...     [(e.action, e.target) for e in store.audit_log(limit=1)]
    [('export_letters', 'village:V1')]
    """
    store.append_audit(actor, action, target, None, after)
