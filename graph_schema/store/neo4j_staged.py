"""Imports too large for one Neo4j transaction, in many transactions and still all or nothing.

:meth:`Neo4jGraphStore.import_dataset <graph_schema.store.neo4j.Neo4jGraphStore.import_dataset>`
comes here when a dataset has more rows than the store's ``staged_above``. The import is a job:

1. **begin** -- one small transaction creates ``(:ImportJob {state: 'staging'})``;
2. **check** -- every reference must point at a row of the dataset or at a stored id, else
   :class:`NotFoundError` naming them (as the one-transaction import); stores' deletes wait for a
   staging job, so the check stays true;
3. **stage** -- the rows go to ``(:StagedBatch {rows: <JSON>})`` nodes in several transactions;
   any failure discards them: the store is as before;
4. **commit point** -- one transaction sets ``state = 'applying'``: from here the import completes;
5. **apply** -- one transaction per batch upserts its rows (the statements of
   :data:`graph_schema.cypher.UPSERT`), deletes the batch and adds its changed rows to the job;
   the last one stamps partnerships, bumps table versions and writes the audit entry.

While a job applies, the store's writes wait for it (their audit entry checks under the audit
lock, :data:`graph_schema.cypher_staged.GATE`) and ``load_dataset`` reads before or after it.
A job whose ``heartbeat`` is older than ``stale_after`` seconds has lost its client: the next
store that opens, writes or waits finishes it (``applying``) or discards it (``staging``).
Jobs, recovery and waiting: :mod:`graph_schema.store.neo4j_jobs`; Cypher:
:mod:`graph_schema.store.cypher_staged`. See ``docs/neo4j.md``, "Transactions".
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from typing import TYPE_CHECKING

from ..contract.dataset import Dataset
from ..contract.tables import TABLE_ORDER, TABLES
from ..errors import GraphSchemaError, ImportInProgressError, NotFoundError, StoreError
from . import cypher_staged
from .base import ImportReport, now_iso
from .neo4j_jobs import discard, recover, roll_forward, settle
from .neo4j_rows import wire_rows

if TYPE_CHECKING:
    from .neo4j import Neo4jGraphStore

__all__ = ["StagedImport", "missing_refs"]

#: staged JSON per staging transaction (a few batches)
STAGE_TX_BYTES = 16 * 2**20


def missing_refs(dataset: Dataset, stored: dict[tuple[str, str], set[str]]) -> str | None:
    """What the first reference to an id neither in ``dataset`` nor ``stored`` is, or None."""
    for name in TABLE_ORDER:
        spec = TABLES[name]
        for col in spec.columns:
            if col.ref is None:
                continue
            ids = set(dataset[name][col.name].dropna().astype(str))
            known = stored.get(col.ref, set()) | set(dataset[col.ref[0]][col.ref[1]].astype(str))
            missing = sorted(ids - known)
            if missing:
                shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
                return f"{name}: {col.name} refers to {col.ref[0]} that are not stored: {shown}"
    return None


# -- the importer --------------------------------------------------------------------------
class StagedImport:
    """One import of ``dataset`` into ``store`` through a job (see the module's docstring).

    Parameters
    ----------
    store : Neo4jGraphStore
        Its ``batch_size`` is the rows per staged batch (and per applying transaction).
    dataset : Dataset
        Rows to upsert; references may point at stored ids.
    actor, source : str
        As :meth:`GraphStore.import_dataset`; recorded on the job and in the audit entry.
    """

    def __init__(self, store: Neo4jGraphStore, dataset: Dataset, actor: str, source: str):
        self.store, self.dataset, self.actor, self.source = store, dataset, actor, source
        self.job = uuid.uuid4().hex
        size = store.batch_size
        #: (table, first row, end row) per batch, in the order they are applied
        self.batches = [
            (name, start, min(start + size, len(dataset[name])))
            for name in TABLE_ORDER
            for start in range(0, len(dataset[name]), size)
        ]

    def rows(self, n: int) -> list[list]:
        """The rows of batch ``n`` as the UPSERT statements take them."""
        name, start, stop = self.batches[n]
        return wire_rows(TABLES[name], self.dataset[name].iloc[start:stop])

    def run(self) -> ImportReport:
        """Stage, commit, apply; return what changed.

        Raises
        ------
        NotFoundError
            A reference points at an id neither in the dataset nor stored; nothing is stored.
        StoreError
            Staging failed (nothing is stored), or applying did (the import completes later).
        """
        started = time.perf_counter()
        store = self.store
        recover(store)
        counts = self.dataset.counts()
        store.tx.write(
            lambda tx: tx.run(
                cypher_staged.BEGIN_JOB,
                job=self.job,
                actor=self.actor,
                source=self.source or "dataset",
                at=now_iso(),
                batches=len(self.batches),
                tables=list(TABLE_ORDER),
                rows=[counts.get(name, 0) for name in TABLE_ORDER],
            ).consume()
        )
        try:
            problem = missing_refs(self.dataset, store.known_ids())
            if problem:
                raise NotFoundError(problem)
            self._stage()
            self._commit()
        except BaseException:
            with contextlib.suppress(Exception):  # the first failure is the one to report
                discard(store, self.job)
            raise
        try:
            changed = roll_forward(store, self.job, len(self.batches), self.rows)
        except GraphSchemaError as exc:
            raise StoreError(
                f"{exc} -- the import passed its commit point and will be completed by the next "
                f"store that opens or writes after {store.stale_after:g} s"
            ) from exc
        report = ImportReport(counts, {name: changed.get(name, 0) for name in TABLE_ORDER})
        report.seconds = time.perf_counter() - started
        return report

    def _stage(self) -> None:
        def work(tx, batches: list[dict]) -> int:
            return tx.run(cypher_staged.STAGE_BATCHES, job=self.job, batches=batches).single()[
                "staged"
            ]

        pending: list[dict] = []
        size = 0
        for n, (name, _, _) in enumerate(self.batches):
            text = json.dumps(self.rows(n), ensure_ascii=False, separators=(",", ":"))
            pending.append({"n": n, "table": name, "rows": text})
            size += len(text)
            if size >= STAGE_TX_BYTES or n == len(self.batches) - 1:
                if self.store.tx.write(work, pending) != len(pending):
                    raise StoreError(
                        f"the staged import {self.job} was discarded by another store (its "
                        f"client seemed stopped for {self.store.stale_after:g} s); nothing stored"
                    )
                pending, size = [], 0
                if self.store.progress:
                    self.store.progress("staging", n + 1, len(self.batches))

    def _commit(self) -> None:
        """The commit point: wait for any other applying job, then mark this one ``applying``."""
        store = self.store
        while True:
            rec = store.tx.write(lambda tx: tx.run(cypher_staged.COMMIT_JOB, job=self.job).single())
            if rec is None or (rec["busy"] == 0 and rec["state"] != "applying"):
                raise StoreError(
                    f"the staged import {self.job} lost staged batches; nothing stored"
                )
            if rec["state"] == "applying":
                return
            # Another import is applying: wait for it (taking it over when dead), asking again
            # every few seconds, which keeps this job's heartbeat fresh however long it takes.
            with contextlib.suppress(ImportInProgressError):
                settle(store, ("applying",), time.monotonic() + min(5.0, store.stale_after / 4))
