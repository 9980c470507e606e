"""The Cypher of the staged (multi-transaction, still all-or-nothing) import of the Neo4j store.

A sibling of :mod:`graph_schema.store.cypher` (which holds the row statements this path reuses). An
import larger than ``Neo4jGraphStore.staged_above`` rows is one ``(:ImportJob {job, state, ...})``
node and its ``(:StagedBatch {job, n, table, rows})`` nodes, ``rows`` being one compact JSON
string of up to ``batch_size`` rows. ``state`` goes ``staging`` -> ``applying`` (the commit point,
:data:`COMMIT_JOB`) -> ``done``; a staging job may instead go to ``discarding``. ``heartbeat`` is
the server's ``timestamp()`` (ms) of the job's last step, so every client judges its age on the
same clock. See :mod:`graph_schema.store.neo4j_staged` and ``docs/neo4j.md``.

The statements that must serialise with the writes of the store lock the one
``(:AuditSequence)`` node first, as the audit entry of every write does (:data:`GATE`).

Examples
--------
>>> "$job" in COMMIT_JOB and "AuditSequence" in COMMIT_JOB
True
"""

from __future__ import annotations

__all__ = [
    "SCHEMA",
    "BEGIN_JOB",
    "STAGE_BATCHES",
    "COMMIT_JOB",
    "JOBS",
    "LOCK_JOB",
    "CLAIM_JOB",
    "STAGED_BATCH",
    "STAGED_LEFT",
    "APPLIED_BATCH",
    "FINISH_JOB",
    "MARK_DISCARDING",
    "DELETE_BATCHES",
    "DELETE_JOB",
    "GATE",
    "IMPORT_EPOCH",
]

#: ``name -> statement``, created by the store like :data:`graph_schema.cypher.SCHEMA`
SCHEMA: dict[str, str] = {
    "import_job": "CREATE CONSTRAINT import_job IF NOT EXISTS FOR (n:ImportJob) REQUIRE n.job IS UNIQUE",
    "staged_batch": "CREATE INDEX staged_batch IF NOT EXISTS FOR (n:StagedBatch) ON (n.job, n.n)",
}

_LOCK_AUDIT = """
MERGE (c:AuditSequence {name: 'audit'})
SET c._lock = true REMOVE c._lock
"""

#: a new job in state ``staging``; under the audit lock, so a delete either committed before it
#: (and the import's reference check sees it) or waits for the job (see :data:`GATE`)
BEGIN_JOB = (
    _LOCK_AUDIT
    + """
CREATE (:ImportJob {job: $job, state: 'staging', actor: $actor, source: $source,
                    started_at: $at, heartbeat: timestamp(), batches: $batches,
                    tables: $tables, rows: $rows, changed: [t IN $tables | 0]})
"""
)

#: ``$batches`` (maps n, table, rows) of a job that is still staging; returns how many were made
STAGE_BATCHES = """
OPTIONAL MATCH (j:ImportJob {job: $job, state: 'staging'})
SET j.heartbeat = timestamp()
WITH j
UNWIND CASE WHEN j IS NULL THEN [] ELSE $batches END AS b
CREATE (:StagedBatch {job: $job, n: b.n, table: b.table, rows: b.rows})
RETURN count(*) AS staged
"""

#: the commit point: ``staging`` -> ``applying`` when every batch is there and no other job is
#: applying (one at a time). No row back: the job was discarded.
COMMIT_JOB = (
    _LOCK_AUDIT
    + """
WITH c
OPTIONAL MATCH (other:ImportJob {state: 'applying'})
WITH c, count(other) AS busy
MATCH (j:ImportJob {job: $job, state: 'staging'})
WITH c, j, busy, COUNT { (b:StagedBatch {job: $job}) } AS staged
SET j.heartbeat = timestamp()
FOREACH (_ IN CASE WHEN busy = 0 AND staged = j.batches THEN [1] ELSE [] END |
  SET j.state = 'applying', c.imports = coalesce(c.imports, 0) + 1)
RETURN busy, staged, j.batches AS batches, j.state AS state
"""
)

#: every job, oldest first; ``age`` in ms by the server's clock
JOBS = """
MATCH (j:ImportJob)
RETURN j.job AS job, j.state AS state, timestamp() - j.heartbeat AS age, j.batches AS batches,
       j.actor AS actor, j.source AS source, j.started_at AS started_at,
       COUNT { (b:StagedBatch {job: j.job}) } AS staged
ORDER BY j.started_at, j.job
"""

#: the job's write lock (applies and the final step of one job queue here), and what it is
LOCK_JOB = """
MATCH (j:ImportJob {job: $job})
SET j._lock = true REMOVE j._lock
RETURN j.state AS state, j.tables AS tables, j.rows AS rows, j.changed AS changed,
       j.actor AS actor, j.source AS source, j.batches AS batches
"""

#: takes over a job of ``$states`` whose heartbeat is older than ``$stale_ms``; no row: not stale
CLAIM_JOB = """
MATCH (j:ImportJob {job: $job})
SET j._lock = true REMOVE j._lock
WITH j
WHERE j.state IN $states AND timestamp() - j.heartbeat > $stale_ms
SET j.heartbeat = timestamp()
RETURN j.state AS state
"""

#: one staged batch: its table and (``$fetch``) its rows; no row: already applied
STAGED_BATCH = """
MATCH (b:StagedBatch {job: $job, n: $n})
RETURN b.table AS table, CASE WHEN $fetch THEN b.rows END AS rows
"""

STAGED_LEFT = "RETURN COUNT { (b:StagedBatch {job: $job}) } AS left"

#: after a batch's rows are upserted, in the same transaction: the batch goes, the count grows
APPLIED_BATCH = """
MATCH (j:ImportJob {job: $job})
MATCH (b:StagedBatch {job: $job, n: $n})
DELETE b
SET j.heartbeat = timestamp(),
    j.changed = [i IN range(0, size(j.changed) - 1) |
                 j.changed[i] + CASE WHEN j.tables[i] = $table THEN $changed ELSE 0 END]
"""

#: the last step's own change to the job (the partnerships stamp, versions and audit come first)
FINISH_JOB = """
MATCH (j:ImportJob {job: $job, state: 'applying'})
SET j.state = 'done', j.heartbeat = timestamp()
"""

#: a staging job that will not be committed: nobody may commit it any more
MARK_DISCARDING = """
MATCH (j:ImportJob {job: $job})
WHERE j.state IN ['staging', 'discarding']
SET j.state = 'discarding', j.heartbeat = timestamp()
RETURN j.state AS state
"""

#: removes a job's staged batches, a few (megabytes each) per transaction: auto-commit only
DELETE_BATCHES = """
MATCH (b:StagedBatch {job: $job})
CALL (b) { DELETE b } IN TRANSACTIONS OF 10 ROWS
"""

DELETE_JOB = "MATCH (j:ImportJob {job: $job}) WHERE j.state IN $states DELETE j"

#: run by a write just before its audit entry, under the same lock: the jobs of ``$states``
#: (other than ``$job``) that the write must wait for. A job reaching ``applying`` takes this lock
#: too, so a write either commits before the commit point or sees the job here.
GATE = (
    _LOCK_AUDIT
    + """
WITH c
OPTIONAL MATCH (j:ImportJob)
WHERE j.state IN $states AND j.job <> $job
RETURN collect(j.job) AS busy
"""
)

#: how many imports passed their commit point, and the jobs applying now (consistent reads)
IMPORT_EPOCH = """
OPTIONAL MATCH (c:AuditSequence {name: 'audit'})
OPTIONAL MATCH (j:ImportJob {state: 'applying'})
RETURN coalesce(c.imports, 0) AS epoch, collect(j.job) AS applying
"""
