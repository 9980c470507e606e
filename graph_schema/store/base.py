"""The :class:`GraphStore` interface that every store implements.

Reads return typed frames (:class:`~graph_schema.dataset.Dataset`); writes are transactions that
either happen whole or not at all, and each write leaves one entry in the store's append-only audit
log (who, when, what, before and after) inside the same transaction.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from ..contract.dataset import Dataset
from ..contract.graph import dataset_to_graph
from ..contract.tables import TABLE_ORDER
from ..rules import MAX_GROUP_RANGE, GroupMember, shape_problems, with_lead

__all__ = [
    "GraphStore",
    "ImportReport",
    "GroupMember",
    "AuditEntry",
    "IssuedLetter",
    "LetterRequest",
    "letter_reference",
    "now_iso",
]


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with seconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class ImportReport:
    """What an import did: rows read per table and rows actually inserted or changed."""

    rows: dict[str, int]
    changed: dict[str, int]
    seconds: float = 0.0

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


@dataclass
class AuditEntry:
    """One record of the audit trail (留存备查)."""

    seq: int
    at: str
    actor: str
    action: str
    target: str
    before: Any = None
    after: Any = None
    extra: dict = field(default_factory=dict)


def letter_reference(prefix: str, year: int, number: int) -> str:
    """A 文号 as a bureau writes it.

    Examples
    --------
    >>> letter_reference("泰民社介", 2026, 17)
    '泰民社介〔2026〕17号'
    """
    return f"{prefix}〔{year}〕{number}号"


@dataclass(frozen=True)
class LetterRequest:
    """What to issue: ``key`` makes issuing idempotent (one letter per key, ever).

    ``render(reference)`` makes the PDF once the 文号 is drawn from the ``(prefix, year)``
    sequence; ``kind`` is ``letter`` or ``revocation`` (a 撤销 record of ``revokes``).
    """

    key: str
    prefix: str
    year: int
    village_id: str
    org_id: str
    render: Any  # Callable[[str], bytes]
    kind: str = "letter"
    revokes: str = ""


@dataclass(frozen=True)
class IssuedLetter:
    """A letter (or 撤销 record) as issued: never changed afterwards (留存备查)."""

    reference: str
    key: str
    prefix: str
    year: int
    number: int
    village_id: str
    org_id: str
    kind: str
    revokes: str
    issued_at: str
    issued_by: str
    sha256: str
    pdf: bytes = field(repr=False, default=b"")

    @classmethod
    def made(cls, request: LetterRequest, number: int, actor: str) -> IssuedLetter:
        """Render the letter numbered ``number`` of its sequence (inside the store's write)."""
        import hashlib

        reference = letter_reference(request.prefix, request.year, number)
        pdf = request.render(reference)
        return cls(
            reference=reference,
            key=request.key,
            prefix=request.prefix,
            year=request.year,
            number=number,
            village_id=request.village_id,
            org_id=request.org_id,
            kind=request.kind,
            revokes=request.revokes,
            issued_at=now_iso(),
            issued_by=actor,
            sha256=hashlib.sha256(pdf).hexdigest(),
            pdf=pdf,
        )

    def audit_entry(self) -> tuple[str, str, dict]:
        """The audit trail's ``(action, target, after)`` for issuing this record."""
        action = "issue_letter" if self.kind == "letter" else "revoke_letter"
        after = {
            "village_id": self.village_id,
            "org_id": self.org_id,
            "sha256": self.sha256,
            "revokes": self.revokes,
        }
        return action, f"letter:{self.reference}", after


class GraphStore(abc.ABC):
    """Where villages, organizations, their capabilities and partnerships are kept.

    Implementations: :class:`~graph_schema.store.sqlite.SqliteGraphStore` (default) and
    :class:`~graph_schema.store.neo4j.Neo4jGraphStore`. Open one with
    :func:`graph_schema.store.open_store`.
    """

    #: a short, human name for messages: "sqlite:/path" or "bolt://host:port/db"
    location: str = ""

    # -- lifecycle ---------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- bulk --------------------------------------------------------------------------------
    @abc.abstractmethod
    def import_dataset(
        self, dataset: Dataset, actor: str = "system", source: str = ""
    ) -> ImportReport:
        """Upsert every row of ``dataset`` in one transaction (ids are keys; a re-import changes nothing).

        References to ids already stored are allowed; call
        :func:`graph_schema.operations.import_path` to validate against them first.
        """

    @abc.abstractmethod
    def load_dataset(self) -> Dataset:
        """Everything stored, as typed tables (what ``baotuan export`` writes)."""

    @abc.abstractmethod
    def known_ids(self) -> dict[tuple[str, str], set[str]]:
        """Stored ids by ``(table, id column)`` for villages, organizations, volunteers, projects."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Rows per table."""

    def query(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Rows of ``table`` whose columns equal the values of ``where`` (typed like a Dataset).

        Stores override this with a keyed read; this fallback filters a full load.
        """
        frame = self.load_dataset()[table]
        for column, value in (where or {}).items():
            frame = frame[frame[column] == value]
        return frame.reset_index(drop=True)

    def table_versions(self) -> dict[str, int]:
        """A number per table that grows whenever that table's rows change, and only then.

        Cheap to call on every request: views cache what they derive from a table and re-derive
        it when the table's number moves. This fallback moves every table on any audit entry.
        """
        newest = self.audit_log(limit=1)
        version = newest[0].seq if newest else 0
        return {name: version for name in TABLE_ORDER}

    def snapshot(self) -> nx.MultiDiGraph:
        """The stored world as a networkx graph (see :func:`graph_schema.graph.dataset_to_graph`)."""
        return dataset_to_graph(self.load_dataset())

    # -- single records ----------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_rows(
        self, table: str, rows: pd.DataFrame, actor: str, action: str = "upsert"
    ) -> int:
        """Insert or update already-validated rows of one table; return rows changed."""

    @abc.abstractmethod
    def delete_rows(
        self, table: str, keys: Sequence[Sequence[str]], actor: str, action: str = "delete"
    ) -> int:
        """Delete rows of one table by key; return rows deleted."""

    # -- partnerships ------------------------------------------------------------------------
    @abc.abstractmethod
    def approve_group(
        self,
        village_id: str,
        members: Iterable[GroupMember],
        actor: str,
        since: str | None = None,
        at: str | None = None,
    ) -> None:
        """Make a group the partnership in force for a village, atomically.

        ``at`` is the approval's moment (UTC ISO 8601; default now), stored as ``approved_at``;
        ``since`` defaults to its Beijing date (``graph_schema.clock.beijing_date``).

        Raises
        ------
        NotFoundError
            The village or an organization does not exist.
        ConflictError
            The village already has a partnership in force.
        CapacityError
            An organization would exceed its ``max_villages``; nothing is written.
        """

    @abc.abstractmethod
    def end_partnership(self, village_id: str, actor: str, reason: str = "") -> int:
        """End the group in force for a village; return how many memberships ended."""

    # -- issued letters (records: written once, never changed) --------------------------------
    @abc.abstractmethod
    def issue_letter(self, request: LetterRequest, actor: str) -> IssuedLetter:
        """Issue the letter for ``request.key`` once, with the next 文号; audited.

        A second call with the same key returns the letter issued the first time (nothing is
        rendered or written), so a repair may call it again safely.
        """

    @abc.abstractmethod
    def issued_letters(
        self, village_id: str | None = None, org_id: str | None = None, reference: str | None = None
    ) -> list[IssuedLetter]:
        """Issued letters and 撤销 records matching the given fields, oldest first, with PDFs."""

    # -- audit -------------------------------------------------------------------------------
    @abc.abstractmethod
    def audit_log(
        self, limit: int = 100, offset: int = 0, action: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries, newest first."""

    @abc.abstractmethod
    def append_audit(
        self, actor: str, action: str, target: str, before: Any = None, after: Any = None
    ) -> None:
        """Record an event that is not a store write (login, account change)."""

    # -- contract helpers shared by implementations ----------------------------------------
    @staticmethod
    def _check_group(members: list[GroupMember]) -> None:
        # The doors check every rule first (graph_schema.rules); this guard keeps a caller that
        # skips them from storing a malformed group. A group without a lead is stored as given.
        from ..errors import ConflictError

        problems = shape_problems(with_lead(members), MAX_GROUP_RANGE[-1])
        if problems:
            raise ConflictError("; ".join(p.what for p in problems))
