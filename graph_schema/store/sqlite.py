"""The default store: one SQLite file (WAL), nothing to install.

Each table of the data contract is one SQL table keyed like the contract. Writers take SQLite's
write lock up front (``BEGIN IMMEDIATE``), so a capacity check and the insert it guards can never
interleave with another writer's, across threads and processes alike.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..clock import beijing_date
from ..contract.dataset import Dataset, coerce_frame
from ..contract.tables import TABLE_ORDER, TABLES, Table
from ..errors import CapacityError, ConflictError, NotFoundError, StoreUnavailableError
from .base import AuditEntry, GraphStore, GroupMember, ImportReport, now_iso
from .sqlite_letters import LETTER_SCHEMA, SqliteLetterRecords

__all__ = ["SqliteGraphStore"]

_SQL_TYPES = {"int": "INTEGER", "bool": "INTEGER", "float": "REAL"}


def _ddl(spec: Table) -> str:
    cols = []
    for c in spec.columns:
        sql_type = _SQL_TYPES.get(c.kind, "TEXT")
        # Key columns are NOT NULL ('' for empty) because SQLite treats NULLs in a key as distinct.
        not_null = " NOT NULL DEFAULT ''" if c.name in spec.key else ""
        cols.append(f'"{c.name}" {sql_type}{not_null}')
    key = ", ".join(f'"{k}"' for k in spec.key)
    return f'CREATE TABLE IF NOT EXISTS "{spec.name}" ({", ".join(cols)}, PRIMARY KEY ({key}))'


_SCHEMA = [_ddl(TABLES[n]) for n in TABLE_ORDER] + [
    "CREATE INDEX IF NOT EXISTS partnerships_org ON partnerships(org_id)",
    "CREATE INDEX IF NOT EXISTS needs_service ON needs(service)",
    "CREATE INDEX IF NOT EXISTS capabilities_service ON capabilities(service)",
    "CREATE INDEX IF NOT EXISTS project_orgs_org ON project_orgs(org_id)",
    "CREATE INDEX IF NOT EXISTS volunteers_org ON volunteers(org_id)",
    "CREATE INDEX IF NOT EXISTS activities_village ON activities(village_id, date)",
    "CREATE INDEX IF NOT EXISTS activity_volunteers_volunteer ON activity_volunteers(volunteer_id)",
    # One row per table, bumped in the transaction that changes the table (see table_versions).
    "CREATE TABLE IF NOT EXISTS table_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT)""",
    # The audit trail is append-only: the database itself refuses to change or remove an entry.
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    *LETTER_SCHEMA,
]


def _upsert_sql(spec: Table) -> str:
    names = spec.column_names
    cols = ", ".join(f'"{c}"' for c in names)
    marks = ", ".join("?" for _ in names)
    key = ", ".join(f'"{k}"' for k in spec.key)
    plain = [c for c in names if c not in spec.key and c not in spec.extra]
    sets = [f'"{c}" = excluded."{c}"' for c in plain] + [
        f'"{c}" = COALESCE(excluded."{c}", "{c}")' for c in spec.extra
    ]
    differs = [f'"{c}" IS NOT excluded."{c}"' for c in plain] + [
        f'(excluded."{c}" IS NOT NULL AND "{c}" IS NOT excluded."{c}")' for c in spec.extra
    ]
    if not sets:
        return f'INSERT INTO "{spec.name}" ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING'
    return (
        f'INSERT INTO "{spec.name}" ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET '
        f"{', '.join(sets)} WHERE {' OR '.join(differs)}"
    )


def _rows(spec: Table, frame: pd.DataFrame) -> list[tuple]:
    """Python tuples for sqlite3: NaN/NA become None, key columns '' instead of None."""
    columns = []
    for c in spec.columns:
        values = frame[c.name]
        col: list[Any]
        if c.kind == "float":
            arr = values.to_numpy(dtype="float64", na_value=np.nan)
            col = [None if np.isnan(x) else float(x) for x in arr]
        elif c.kind in ("int", "bool"):
            col = [None if pd.isna(x) else int(x) for x in values.astype(object)]
        else:
            col = list(values.astype(object))
        if c.name in spec.key:
            col = ["" if x is None else x for x in col]
        columns.append(col)
    return list(zip(*columns, strict=True)) if columns else []


class SqliteGraphStore(SqliteLetterRecords, GraphStore):
    """A :class:`GraphStore` in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; created with its schema when absent.

    Examples
    --------
    >>> import tempfile, os
    >>> store = SqliteGraphStore(os.path.join(tempfile.mkdtemp(), "baotuan.sqlite"))
    >>> store.counts()["villages"]
    0
    >>> store.close()
    """

    def __init__(self, path: str | Path, timeout: float = 30.0):
        self.path = Path(path)
        self.location = f"sqlite:{self.path}"
        self._timeout = timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._write() as db:
                for stmt in _SCHEMA:
                    db.execute(stmt)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(
                f"cannot open the SQLite store {self.path}: {exc}"
            ) from None

    # -- connections ---------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=OFF")
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def _write(self):
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                try:
                    db.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

    # -- versions ------------------------------------------------------------------------
    @staticmethod
    def _bump(db, *tables: str) -> None:
        db.executemany(
            "INSERT INTO table_versions(name, version) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET version = version + 1",
            [(t,) for t in tables],
        )

    def table_versions(self) -> dict[str, int]:
        got = dict(self._conn().execute("SELECT name, version FROM table_versions").fetchall())
        return {name: int(got.get(name, 0)) for name in TABLE_ORDER}

    # -- audit ---------------------------------------------------------------------------
    @staticmethod
    def _audit(
        db, actor: str, action: str, target: str, before: Any = None, after: Any = None
    ) -> None:
        dump = lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)  # noqa: E731
        db.execute(
            "INSERT INTO audit(at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), actor, action, target, dump(before), dump(after)),
        )

    def append_audit(self, actor, action, target, before=None, after=None) -> None:
        with self._write() as db:
            self._audit(db, actor, action, target, before, after)

    def audit_log(
        self, limit: int = 100, offset: int = 0, action: str | None = None
    ) -> list[AuditEntry]:
        sql = "SELECT seq, at, actor, action, target, before, after FROM audit"
        args: list[Any] = []
        if action:
            sql += " WHERE action = ?"
            args.append(action)
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        rows = self._conn().execute(sql, (*args, limit, offset)).fetchall()
        load = lambda v: None if v is None else json.loads(v)  # noqa: E731
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], load(r[5]), load(r[6])) for r in rows]

    # -- bulk ----------------------------------------------------------------------------
    def import_dataset(
        self, dataset: Dataset, actor: str = "system", source: str = ""
    ) -> ImportReport:
        started = time.perf_counter()
        changed: dict[str, int] = {}
        with self._write() as db:
            for name in TABLE_ORDER:
                spec = TABLES[name]
                before = db.total_changes
                db.executemany(_upsert_sql(spec), _rows(spec, dataset[name]))
                changed[name] = db.total_changes - before
            db.execute(
                "UPDATE partnerships SET approved_by = ?, approved_at = ? WHERE approved_by IS NULL",
                (actor, now_iso()),
            )
            report = ImportReport(dataset.counts(), changed)
            self._bump(db, *(name for name, n in changed.items() if n))
            self._audit(
                db,
                actor,
                "import",
                source or "dataset",
                None,
                {"rows": report.rows, "changed": changed},
            )
        report.seconds = time.perf_counter() - started
        return report

    def _read(self, name: str, where: str = "", args: Sequence = ()) -> pd.DataFrame:
        spec = TABLES[name]
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        frame = pd.read_sql_query(
            f'SELECT {cols} FROM "{name}" {where}', self._conn(), params=list(args)
        )
        for k in spec.key:
            if not spec.column(k).required:
                frame[k] = frame[k].where(frame[k] != "", None)
        return coerce_frame(spec, frame)

    def load_dataset(self) -> Dataset:
        db = self._conn()
        db.execute("BEGIN")  # one consistent read across tables
        try:
            return Dataset({name: self._read(name) for name in TABLE_ORDER})
        finally:
            db.execute("COMMIT")

    def known_ids(self) -> dict[tuple[str, str], set[str]]:
        db = self._conn()
        out = {}
        for table, col in (
            ("villages", "village_id"),
            ("organizations", "org_id"),
            ("volunteers", "volunteer_id"),
            ("projects", "project_id"),
            ("activities", "activity_id"),
        ):
            out[(table, col)] = {r[0] for r in db.execute(f'SELECT "{col}" FROM "{table}"')}
        return out

    def counts(self) -> dict[str, int]:
        db = self._conn()
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in TABLE_ORDER}

    def query(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Rows of ``table`` whose columns equal the values of ``where``."""
        where = where or {}
        spec = TABLES[table]
        for col in where:
            spec.column(col)  # KeyError for a column that is not in the contract
        clause = " AND ".join(f'"{c}" = ?' for c in where)
        return self._read(table, f"WHERE {clause}" if clause else "", list(where.values()))

    # -- single records ------------------------------------------------------------------
    def _before(self, db, spec: Table, keys: list[tuple]) -> list[dict]:
        clause = " AND ".join(f'"{k}" = ?' for k in spec.key)
        out = []
        for key in keys:
            cur = db.execute(f'SELECT * FROM "{spec.name}" WHERE {clause}', key)
            row = cur.fetchone()
            if row is not None:
                out.append(dict(zip([d[0] for d in cur.description], row, strict=True)))
        return out

    def upsert_rows(
        self, table: str, rows: pd.DataFrame, actor: str, action: str = "upsert"
    ) -> int:
        spec = TABLES[table]
        tuples = _rows(spec, coerce_frame(spec, rows))
        key_idx = [spec.column_names.index(k) for k in spec.key]
        keys = [tuple(t[i] for i in key_idx) for t in tuples]
        with self._write() as db:
            before = self._before(db, spec, keys)
            start = db.total_changes
            db.executemany(_upsert_sql(spec), tuples)
            n = db.total_changes - start
            if n:
                self._bump(db, table)
                after = self._before(db, spec, keys)
                self._audit(
                    db,
                    actor,
                    action,
                    f"{table}:{';'.join('|'.join(map(str, k)) for k in keys[:20])}",
                    before,
                    after,
                )
        return n

    def delete_rows(
        self, table: str, keys: Sequence[Sequence[str]], actor: str, action: str = "delete"
    ) -> int:
        spec = TABLES[table]
        key_rows = [tuple("" if v is None else v for v in k) for k in keys]
        clause = " AND ".join(f'"{k}" = ?' for k in spec.key)
        with self._write() as db:
            before = self._before(db, spec, key_rows)
            start = db.total_changes
            db.executemany(f'DELETE FROM "{table}" WHERE {clause}', key_rows)
            n = db.total_changes - start
            if n:
                self._bump(db, table)
                self._audit(
                    db,
                    actor,
                    action,
                    f"{table}:{';'.join('|'.join(k) for k in key_rows[:20])}",
                    before,
                    None,
                )
        return n

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
        with self._write() as db:
            if (
                db.execute("SELECT 1 FROM villages WHERE village_id = ?", (village_id,)).fetchone()
                is None
            ):
                raise NotFoundError(f"village {village_id} does not exist")
            if db.execute(
                "SELECT 1 FROM partnerships WHERE village_id = ? LIMIT 1", (village_id,)
            ).fetchone():
                raise ConflictError(f"village {village_id} already has a group in force")
            for m in members:
                row = db.execute(
                    "SELECT o.max_villages, (SELECT COUNT(*) FROM partnerships p WHERE p.org_id = o.org_id) "
                    "FROM organizations o WHERE o.org_id = ?",
                    (m.org_id,),
                ).fetchone()
                if row is None:
                    raise NotFoundError(f"organization {m.org_id} does not exist")
                if row[1] + 1 > row[0]:
                    raise CapacityError(
                        f"organization {m.org_id} already supports {row[1]} of at most {row[0]} villages"
                    )
            db.executemany(
                "INSERT INTO partnerships(village_id, org_id, role, since, approved_by, approved_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(village_id, m.org_id, m.role, since, actor, at) for m in members],
            )
            self._bump(db, "partnerships")
            self._audit(
                db,
                actor,
                "approve_group",
                f"village:{village_id}",
                None,
                [{"org_id": m.org_id, "role": m.role} for m in members],
            )

    def end_partnership(self, village_id: str, actor: str, reason: str = "") -> int:
        with self._write() as db:
            before = [
                dict(zip(("org_id", "role", "since"), r, strict=True))
                for r in db.execute(
                    "SELECT org_id, role, since FROM partnerships WHERE village_id = ?",
                    (village_id,),
                )
            ]
            n = db.execute("DELETE FROM partnerships WHERE village_id = ?", (village_id,)).rowcount
            if n:
                self._bump(db, "partnerships")
                self._audit(
                    db,
                    actor,
                    "end_partnership",
                    f"village:{village_id}",
                    before,
                    {"reason": reason},
                )
        return n
