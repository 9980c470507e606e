"""The Neo4j store: the :class:`GraphStore` contract through the official ``neo4j`` driver.

Every write is one managed transaction (``session.execute_write``), so the driver may retry it
after a transient failure (a deadlock, a leader switch) without doing anything twice; an import is
one transaction however large, made of batched ``UNWIND $rows`` statements. All Cypher lives in
:mod:`graph_schema.store.cypher`. See ``docs/neo4j.md`` for running a server and for the size limit of
one transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
from neo4j.exceptions import (
    TransientError,
)

from ..clock import beijing_date
from ..contract.dataset import Dataset, coerce_frame
from ..contract.tables import TABLE_ORDER, TABLES, Table
from ..contract.vocabulary import SERVICE_LABELS_ZH
from ..errors import (
    CapacityError,
    ConflictError,
    NotFoundError,
    StoreError,
)
from . import cypher, cypher_staged
from .base import AuditEntry, GraphStore, GroupMember, ImportReport, now_iso
from .neo4j_jobs import ImportJob, import_jobs, recover, settle
from .neo4j_letters import Neo4jLetterRecords
from .neo4j_rows import review_key
from .neo4j_rows import wire_rows as _rows
from .neo4j_staged import StagedImport
from .neo4j_tx import Neo4jTx, bump_versions, out_of_memory, write_audit

__all__ = ["Neo4jGraphStore", "review_key"]

#: rows per ``UNWIND $rows`` statement: large enough to amortise a round trip, small enough that
#: one statement's intermediate rows stay far below the server's heap
BATCH_SIZE = 10_000
#: imports with more rows than this go through a staged job (docs/neo4j.md, "Transactions"); one
#: transaction of this many rows needs ~90 MiB of transaction memory, a fifth of the test server's
STAGED_ABOVE = 50_000


def _audit_row(spec: Table, values: Sequence) -> dict:
    """A row as the SQLite store records it in the audit trail (booleans 0/1, empty key parts '')."""
    out = {}
    for col, v in zip(spec.columns, values, strict=True):
        if col.kind == "bool" and v is not None:
            v = int(v)
        if col.name in spec.key and v is None:
            v = ""
        out[col.name] = v
    return out


class Neo4jGraphStore(Neo4jLetterRecords, GraphStore):
    """A :class:`GraphStore` in a Neo4j 5 database.

    Parameters
    ----------
    uri : str
        ``bolt://host:port`` or ``neo4j://host:port`` (a cluster or Aura: ``neo4j+s://``).
    user, password : str
        Credentials (:func:`graph_schema.store.open_store` takes them as a ``StoreCredentials``).
    database : str
        The database; Neo4j Community has exactly one, ``neo4j``.
    batch_size : int
        Rows per ``UNWIND`` statement of an import.
    staged_above : int
        Imports of more rows are staged in many transactions and applied after one commit point
        (:mod:`graph_schema.store.neo4j_staged`); still all or nothing.
    stale_after : float
        Seconds after which a staged import whose client gave no sign of life is taken over:
        finished once committed, discarded before.
    import_wait : float
        Seconds a write (or ``load_dataset``) waits for a staged import that is being applied
        before it raises :class:`ImportInProgressError`.
    progress : callable, optional
        ``progress(phase, done, total)`` after each transaction of a staged import
        (``phase``: ``"staging"`` or ``"applying"``; ``done`` and ``total`` count batches).

    Raises
    ------
    StoreUnavailableError
        The server cannot be reached, refuses the credentials or has no such database.

    Examples
    --------
    >>> import os
    >>> uri = os.environ.get("BAOTUAN_TEST_NEO4J_URI")
    >>> if uri:  # only with a server; see docs/neo4j.md
    ...     with Neo4jGraphStore(uri, password=os.environ["NEO4J_PASSWORD"]) as store:
    ...         _ = store.counts()
    """

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        *,
        batch_size: int = BATCH_SIZE,
        connection_timeout: float = 10.0,
        staged_above: int = STAGED_ABOVE,
        stale_after: float = 60.0,
        import_wait: float = 60.0,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.uri = uri
        self.user = user
        self.database = database
        self.batch_size = batch_size
        self.staged_above, self.stale_after = staged_above, stale_after
        self.import_wait, self.progress = import_wait, progress
        self.location = f"{uri.rstrip('/')}/{database}"
        # One runner for every transaction, shared with the staged-import and job code; a write
        # that meets an import being applied waits for it through the jobs' ``settle``.
        self.tx = Neo4jTx.connect(
            uri,
            user,
            password,
            database,
            timeout=connection_timeout,
            import_wait=import_wait,
            on_busy=lambda states, deadline: settle(self, states, deadline),
        )
        try:
            self._ensure_schema()
            recover(self)  # a staged import whose client died: finished, or discarded
        except BaseException:
            self.tx.close()
            raise

    def close(self) -> None:
        self.tx.close()

    def _ensure_schema(self) -> None:
        with self.tx.session() as session:
            # An auto-commit statement is not retried: a server that is down fails at once.
            session.run(cypher.PING).consume()
            names = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
            names |= {r["name"] for r in session.run("SHOW INDEXES YIELD name")}
            for name, statement in {**cypher.SCHEMA, **cypher_staged.SCHEMA}.items():
                if name not in names:
                    session.run(statement).consume()

    def clear(self) -> None:
        """Delete every node and relationship, in small transactions; the schema stays (tests, demo resets).

        Every table's version moves on rather than back to 0 (:meth:`table_versions` only grows):
        a site's cache keyed on the versions must not take the emptied or re-imported data for
        what it cached before.
        """
        with self.tx.session() as session:
            for statement in cypher.DELETE_ALL_BATCHED:
                session.run(statement).consume()
            bump_versions(session, list(TABLE_ORDER))

    # -- audit ---------------------------------------------------------------------------
    def append_audit(self, actor, action, target, before=None, after=None) -> None:
        # Not a change of the stored world (a login...): it need not wait for an import.
        self.tx.write(write_audit, actor, action, target, before, after, wait_for=())

    def audit_log(
        self, limit: int = 100, offset: int = 0, action: str | None = None
    ) -> list[AuditEntry]:
        def work(tx):
            result = tx.run(cypher.AUDIT_LOG, limit=int(limit), offset=int(offset), action=action)
            return [tuple(r) for r in result]

        load = lambda v: None if v is None else json.loads(v)  # noqa: E731
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], load(r[5]), load(r[6]))
            for r in self.tx.read(work)
        ]

    # -- bulk ----------------------------------------------------------------------------
    def _upsert(self, tx, name: str, rows: list[list]) -> int:
        """Upsert ``rows`` of one table in batches; return rows changed, or raise on dangling refs."""
        changed = 0
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start : start + self.batch_size]
            rec = tx.run(cypher.UPSERT[name], rows=batch, labels=SERVICE_LABELS_ZH).single()
            # No row back, or fewer than sent: some rows point at nodes that are not stored.
            if rec is None or rec["rows"] != len(batch) or rec["missing"]:
                self._raise_missing(tx, name, batch)
            assert rec is not None
            changed += rec["changed"]
        return changed

    @staticmethod
    def _raise_missing(tx, name: str, batch: list[list]) -> None:
        """Name the ids a batch refers to that are not stored (the transaction then rolls back)."""
        spec = TABLES[name]
        for col in spec.columns:
            if col.ref is None:
                continue
            ref_table, ref_col = col.ref
            m = cypher.NODE_MAPS[ref_table]
            i = spec.column_names.index(col.name)
            ids = sorted({r[i] for r in batch if r[i] is not None})
            missing = tx.run(cypher.MISSING[(m.label, m.key)], ids=ids).single(strict=True)[
                "missing"
            ]
            if missing:
                shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
                raise NotFoundError(
                    f"{name}: {col.name} refers to {ref_table} that are not stored: {shown}"
                )
        raise StoreError(f"{name}: some rows could not be written")  # pragma: no cover

    def import_dataset(
        self, dataset: Dataset, actor: str = "system", source: str = ""
    ) -> ImportReport:
        if sum(dataset.counts().values()) > self.staged_above:
            return StagedImport(self, dataset, actor, source).run()
        started = time.perf_counter()
        rows = {name: _rows(TABLES[name], dataset[name]) for name in TABLE_ORDER}

        def work(tx) -> dict[str, int]:
            changed = {name: self._upsert(tx, name, rows[name]) for name in TABLE_ORDER}
            tx.run(cypher.STAMP_PARTNERSHIPS, actor=actor, at=now_iso()).consume()
            bump_versions(tx, [name for name, n in changed.items() if n])
            counts = {"rows": dataset.counts(), "changed": changed}
            write_audit(tx, actor, "import", source or "dataset", None, counts)
            return changed

        def once(tx) -> dict[str, int]:
            try:
                return work(tx)
            except TransientError as exc:
                if not out_of_memory(exc):
                    raise  # a deadlock or a leader switch: the driver runs ``work`` again
                # Retrying cannot help and would redo a long import: stop (rolls back) now.
                self.tx.translate(exc)

        report = ImportReport(dataset.counts(), self.tx.write(once))
        report.seconds = time.perf_counter() - started
        return report

    def load_dataset(self) -> Dataset:
        """Everything stored; never part of a staged import (it waits for one being applied)."""

        def work(tx) -> Dataset | None:
            first = tx.run(cypher_staged.IMPORT_EPOCH).single(strict=True)
            if first["applying"]:
                return None
            tables = {}
            for name in TABLE_ORDER:
                spec = TABLES[name]
                columns: list[list] = [[] for _ in spec.columns]
                for record in tx.run(cypher.LOAD[name]):  # streamed, fetch_size records at a time
                    for column, value in zip(columns, record, strict=True):
                        column.append(value)
                tables[name] = coerce_frame(
                    spec, pd.DataFrame(dict(zip(spec.column_names, columns, strict=True)))
                )
            last = tx.run(cypher_staged.IMPORT_EPOCH).single(strict=True)
            if last["applying"] or last["epoch"] != first["epoch"]:
                return None  # an import committed meanwhile: read again once it is applied
            return Dataset(tables).canonical()

        deadline = time.monotonic() + self.import_wait
        while (found := self.tx.read(work, fetch_size=10_000)) is None:
            settle(self, ("applying",), deadline)
        return found

    def import_jobs(self) -> list[ImportJob]:
        """Staged imports in the store (running, or left by a client that died), oldest first."""
        return import_jobs(self)

    def table_versions(self) -> dict[str, int]:
        def work(tx) -> dict[str, int]:
            return {r["name"]: int(r["version"]) for r in tx.run(cypher.TABLE_VERSIONS)}

        got = self.tx.read(work)
        return {name: got.get(name, 0) for name in TABLE_ORDER}

    def query(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        where = where or {}
        statement = cypher.query_statement(table, list(where))
        params = {f"w{i}": v for i, v in enumerate(where.values())}
        spec = TABLES[table]

        def work(tx) -> pd.DataFrame:
            columns: list[list] = [[] for _ in spec.columns]
            for record in tx.run(statement, params):
                for column, value in zip(columns, record, strict=True):
                    column.append(value)
            return coerce_frame(
                spec, pd.DataFrame(dict(zip(spec.column_names, columns, strict=True)))
            )

        return self.tx.read(work, fetch_size=10_000)

    def known_ids(self) -> dict[tuple[str, str], set[str]]:
        def work(tx):
            return {key: {r[0] for r in tx.run(statement)} for key, statement in cypher.IDS.items()}

        return self.tx.read(work, fetch_size=10_000)

    def counts(self) -> dict[str, int]:
        def work(tx):
            return {
                name: tx.run(cypher.COUNT[name]).single(strict=True)["n"] for name in TABLE_ORDER
            }

        return self.tx.read(work)

    # -- single records ------------------------------------------------------------------
    @staticmethod
    def _keys(spec: Table, keys: Iterable[Sequence]) -> list:
        """Keys as the statements take them: an id, a review's key, or a list of ids."""
        if spec.name == "reviews":
            return [review_key(*k) for k in keys]
        if spec.name in cypher.NODE_MAPS:
            return [k[0] for k in keys]
        return [list(k) for k in keys]

    @staticmethod
    def _fetch(tx, spec: Table, keys: list) -> list[dict]:
        return [_audit_row(spec, r) for r in tx.run(cypher.FETCH[spec.name], keys=keys)]

    def upsert_rows(
        self, table: str, rows: pd.DataFrame, actor: str, action: str = "upsert"
    ) -> int:
        spec = TABLES[table]
        values = _rows(spec, coerce_frame(spec, rows))
        key_idx = [spec.column_names.index(k) for k in spec.key]
        keys = [tuple("" if r[i] is None else r[i] for i in key_idx) for r in values]
        lookup = self._keys(spec, keys)
        target = f"{table}:{';'.join('|'.join(map(str, k)) for k in keys[:20])}"

        def work(tx) -> int:
            before = self._fetch(tx, spec, lookup)
            n = self._upsert(tx, table, values)
            if n:
                bump_versions(tx, [table])
                write_audit(tx, actor, action, target, before, self._fetch(tx, spec, lookup))
            return n

        return self.tx.write(work)

    def delete_rows(
        self, table: str, keys: Sequence[Sequence[str]], actor: str, action: str = "delete"
    ) -> int:
        spec = TABLES[table]
        keys = [tuple("" if v is None else v for v in k) for k in keys]
        lookup = self._keys(spec, keys)
        target = f"{table}:{';'.join('|'.join(k) for k in keys[:20])}"

        def work(tx) -> int:
            before = self._fetch(tx, spec, lookup)
            n = tx.run(cypher.DELETE[table], keys=lookup).single(strict=True)["deleted"]
            if n:
                # Deleting a node also removes the rows that hang on it (needs, skills...).
                bump_versions(tx, list(TABLE_ORDER) if table in cypher.NODE_MAPS else [table])
                # A staged import checked its references against the nodes stored when it
                # began: deletes wait for staging imports too.
                wait = ("applying", "staging", "discarding")
                write_audit(tx, actor, action, target, before, None, wait_for=wait)
            return n

        return self.tx.write(work)

    # -- partnerships --------------------------------------------------------------------
    def approve_group(
        self,
        village_id: str,
        members: Iterable[GroupMember],
        actor: str,
        since: str | None = None,
        at: str | None = None,
    ) -> None:
        members = list(members)
        self._check_group(members)
        at = at or now_iso()
        since = since or beijing_date(at)  # the day it is in the county

        def work(tx) -> None:
            # Locks in one order for every caller (village, then organizations by id): two
            # approvals sharing organizations queue instead of both reading the old counts.
            village = tx.run(cypher.LOCK_VILLAGE, village_id=village_id).single()
            if village is None:
                raise NotFoundError(f"village {village_id} does not exist")
            if village["supported"]:
                raise ConflictError(f"village {village_id} already has a group in force")
            state = {}
            for org_id in sorted(m.org_id for m in members):
                state[org_id] = tx.run(cypher.LOCK_ORGANIZATION, org_id=org_id).single()
            for m in members:  # checked in the caller's order, as the SQLite store does
                row = state[m.org_id]
                if row is None:
                    raise NotFoundError(f"organization {m.org_id} does not exist")
                if row["supported"] + 1 > row["max_villages"]:
                    raise CapacityError(
                        f"organization {m.org_id} already supports {row['supported']} of at most "
                        f"{row['max_villages']} villages"
                    )
            group = [{"org_id": m.org_id, "role": m.role} for m in members]
            tx.run(
                cypher.CREATE_SUPPORTS,
                village_id=village_id,
                members=group,
                since=since,
                actor=actor,
                at=at,
            ).consume()
            bump_versions(tx, ["partnerships"])
            write_audit(tx, actor, "approve_group", f"village:{village_id}", None, group)

        self.tx.write(work)

    def end_partnership(self, village_id: str, actor: str, reason: str = "") -> int:
        def work(tx) -> int:
            tx.run(cypher.LOCK_VILLAGE, village_id=village_id).consume()
            before = [dict(r) for r in tx.run(cypher.END_PARTNERSHIP, village_id=village_id)]
            if before:
                bump_versions(tx, ["partnerships"])
                write_audit(
                    tx,
                    actor,
                    "end_partnership",
                    f"village:{village_id}",
                    before,
                    {"reason": reason},
                )
            return len(before)

        return self.tx.write(work)
