"""The jobs of staged Neo4j imports: applying, finishing, taking over, waiting for them.

A staged import (:mod:`graph_schema.store.neo4j_staged`) is one ``(:ImportJob)`` node with its
``(:StagedBatch)`` nodes. Everything here works from what the job holds, so the importer and any
other store that takes over a job whose client died (its ``heartbeat`` older than the store's
``stale_after``) run the same code: :func:`roll_forward` applies the batches left (each once, in
order: every apply locks the job and skips a batch already gone) and finishes the job;
:func:`discard` removes a job that never reached its commit point. :func:`settle` is how writes and
``load_dataset`` wait for a job that is being applied. Cypher: :mod:`graph_schema.store.cypher_staged`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..contract.vocabulary import SERVICE_LABELS_ZH
from ..errors import ImportInProgressError, StoreError
from . import cypher, cypher_staged
from .base import now_iso
from .neo4j_tx import bump_versions, write_audit

if TYPE_CHECKING:
    from .neo4j import Neo4jGraphStore

__all__ = ["ImportJob", "import_jobs", "roll_forward", "discard", "recover", "settle"]


@dataclass(frozen=True)
class ImportJob:
    """A staged import as the store holds it (``age``: seconds since its last step)."""

    job: str
    state: str  # staging, applying, done or discarding
    age: float
    batches: int
    staged: int
    actor: str
    source: str
    started_at: str


def import_jobs(store: Neo4jGraphStore) -> list[ImportJob]:
    """The import jobs in the store, oldest first (none unless a staged import runs or died)."""

    def work(tx) -> list[ImportJob]:
        return [
            ImportJob(
                r["job"],
                r["state"],
                r["age"] / 1000,
                r["batches"],
                r["staged"],
                r["actor"],
                r["source"],
                r["started_at"],
            )  # fmt: skip
            for r in tx.run(cypher_staged.JOBS)
            # Reads are read-committed: a job deleted (finished or discarded) between the MATCH
            # and the RETURN comes back with null properties. It is gone; so is its row.
            if r["state"] is not None and r["age"] is not None
        ]

    return store.tx.read(work)


# -- applying and finishing (the importer and any store that takes over a dead job) ----------
def _locked(tx, job: str, state: str):
    """The job, write-locked, when it is in ``state``; else None (one step of a job at a time)."""
    j = tx.run(cypher_staged.LOCK_JOB, job=job).single()
    return j if j is not None and j["state"] == state else None


def _apply(store: Neo4jGraphStore, job: str, n: int, rows_of: Callable | None) -> bool:
    """Apply batch ``n`` of ``job`` unless done; False once the job is no longer applying."""

    def work(tx) -> bool:
        if _locked(tx, job, "applying") is None:
            return False
        batch = tx.run(cypher_staged.STAGED_BATCH, job=job, n=n, fetch=rows_of is None).single()
        if batch is None:  # applied already (by another store that took the job over)
            return True
        rows = json.loads(batch["rows"]) if rows_of is None else rows_of(n)
        table = batch["table"]
        # Checked before the commit point: a row that still finds no node is skipped, not fatal.
        rec = tx.run(cypher.UPSERT[table], rows=rows, labels=SERVICE_LABELS_ZH).single()
        changed = 0 if rec is None else rec["changed"]
        tx.run(cypher_staged.APPLIED_BATCH, job=job, n=n, table=table, changed=changed).consume()
        return True

    return store.tx.write(work)


def _finish(store: Neo4jGraphStore, job: str) -> dict[str, int] | None:
    """The last transaction: stamp, versions, audit, ``done``. None if not (or no longer) due."""

    def work(tx) -> dict[str, int] | None:
        j = _locked(tx, job, "applying")
        if j is None:
            return None
        if tx.run(cypher_staged.STAGED_LEFT, job=job).single(strict=True)["left"]:
            return None  # batches left: whoever applies them finishes
        changed = dict(zip(j["tables"], j["changed"], strict=True))
        tx.run(cypher.STAMP_PARTNERSHIPS, actor=j["actor"], at=now_iso()).consume()
        bump_versions(tx, [name for name, n in changed.items() if n])
        counts = {"rows": dict(zip(j["tables"], j["rows"], strict=True)), "changed": changed}
        write_audit(tx, j["actor"], "import", j["source"], None, counts, job=job)
        tx.run(cypher_staged.FINISH_JOB, job=job).consume()
        return changed

    return store.tx.write(work)


def _done_counts(store: Neo4jGraphStore, job: str) -> dict[str, int] | None:
    """The changed rows of a ``done`` job (which then goes); None if it is not done."""

    def work(tx) -> dict[str, int] | None:
        j = _locked(tx, job, "done")
        if j is None:
            return None
        tx.run(cypher_staged.DELETE_JOB, job=job, states=["done"]).consume()
        return dict(zip(j["tables"], j["changed"], strict=True))

    return store.tx.write(work)


def roll_forward(store: Neo4jGraphStore, job: str, batches: int, rows_of=None) -> dict[str, int]:
    """Apply the batches of an ``applying`` job that are left, finish it; return its changed rows.

    ``rows_of(n)`` gives batch ``n``'s rows (the importer has them); without it they are read from
    the staged batch.
    """
    for n in range(batches):
        if not _apply(store, job, n, rows_of):
            break
        if store.progress:
            store.progress("applying", n + 1, batches)
    _finish(store, job)
    counts = _done_counts(store, job)
    if counts is None:
        raise StoreError(f"import job {job} was not completed: see store.import_jobs()")
    return counts


def _claim(store: Neo4jGraphStore, job: str, states: list[str]) -> str | None:
    def work(tx) -> str | None:
        rec = tx.run(
            cypher_staged.CLAIM_JOB, job=job, states=states, stale_ms=int(store.stale_after * 1000)
        ).single()
        return None if rec is None else rec["state"]

    return store.tx.write(work)


def discard(store: Neo4jGraphStore, job: str) -> None:
    """Remove a staging job and its batches (the store is as if it never began)."""
    marked = store.tx.write(lambda tx: tx.run(cypher_staged.MARK_DISCARDING, job=job).single())
    if marked is None:  # applying (its commit went through after all), or gone: not ours to drop
        return
    with store.tx.session() as session:
        session.run(cypher_staged.DELETE_BATCHES, job=job).consume()
        session.run(cypher_staged.DELETE_JOB, job=job, states=["discarding"]).consume()


def _take_over(store: Neo4jGraphStore, found: ImportJob) -> None:
    """Finish (``applying``), discard (``staging``) or remove (``done``) a job whose client died."""
    if found.age <= store.stale_after:
        return
    state = _claim(store, found.job, ["applying", "staging", "discarding", "done"])
    if state == "applying":
        roll_forward(store, found.job, found.batches)
    elif state in ("staging", "discarding"):
        discard(store, found.job)
    elif state == "done":
        _done_counts(store, found.job)


def recover(store: Neo4jGraphStore) -> None:
    """Finish or discard every job whose client stopped (heartbeat older than ``stale_after``)."""
    for found in import_jobs(store):
        _take_over(store, found)


def settle(store: Neo4jGraphStore, states: tuple[str, ...], deadline: float) -> None:
    """Wait until no job is in ``states``, taking over dead ones; past ``deadline`` (monotonic) raise.

    Raises
    ------
    ImportInProgressError
        A live job was still in ``states`` at the deadline.
    """
    while True:
        busy = [j for j in import_jobs(store) if j.state in states]
        if not busy:
            return
        for found in busy:
            _take_over(store, found)
        live = [j for j in import_jobs(store) if j.state in states]
        if not live:
            return
        if time.monotonic() >= deadline:
            j = live[0]
            raise ImportInProgressError(
                f"an import ({j.source or 'dataset'} by {j.actor}, started {j.started_at}) is "
                f"{j.state} in {store.location}: {j.batches - j.staged} of {j.batches} batches "
                "applied; try again when it has finished"
                if j.state == "applying"
                else f"an import ({j.source or 'dataset'} by {j.actor}) is staging in "
                f"{store.location}; deletes wait for it: try again when it has finished"
            )
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
