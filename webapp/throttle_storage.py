"""Login and registration throttling counts in a SQLite file, shared by every worker process.

(With ``BAOTUAN_REDIS_URL`` set the counts go to Redis instead, shared by every machine: see
:func:`storage_uri`.)

Flask-Limiter's in-memory storage counts per process: with ``baotuan serve --workers 4`` a client
would get four times the attempts, and a restart would forget them. This storage keeps the
fixed-window counters (the strategy the site uses) in ``<instance>/throttle.sqlite``; each
increment is one ``BEGIN IMMEDIATE`` transaction, so concurrent workers never lose a count.
Only throttled routes (sign-in and registration POSTs) touch it.

Examples
--------
>>> import os, tempfile
>>> from limits.storage import storage_from_string
>>> path = os.path.join(tempfile.mkdtemp(), "throttle.sqlite")
>>> counts = storage_from_string(f"baotuan-sqlite://{path}")
>>> counts.incr("login/10.0.0.1", 60), counts.incr("login/10.0.0.1", 60), counts.get("other")
(1, 2, 0)
"""

from __future__ import annotations

import sqlite3
import threading
import time

from limits.storage import Storage

__all__ = ["SqliteThrottleStorage", "storage_uri"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
    "expires REAL NOT NULL)"
)


def storage_uri(path: str, redis_url: str | None = None) -> str:
    """The ``RATELIMIT_STORAGE_URI``: Redis when the site has one, else a counters file at ``path``.

    With several machines (``BAOTUAN_REDIS_URL`` set) the counts must be shared by all of them,
    which a file in one machine's instance folder cannot be; Flask-Limiter's own Redis storage
    (``redis://``) does it. One machine needs nothing more than the file.

    Examples
    --------
    >>> storage_uri("/srv/i/throttle.sqlite")
    'baotuan-sqlite:///srv/i/throttle.sqlite'
    >>> storage_uri("/srv/i/throttle.sqlite", "redis://10.0.0.5:6379/0")
    'redis://10.0.0.5:6379/0'
    """
    return redis_url or f"baotuan-sqlite://{path}"


class SqliteThrottleStorage(Storage):
    """A :mod:`limits` storage (fixed window) in one SQLite file; one connection per thread."""

    STORAGE_SCHEME = ["baotuan-sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").split("://", 1)[1]
        self._local = threading.local()
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.db = db
        return db

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # read and write as one step across processes
        try:
            row = db.execute("SELECT value, expires FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:  # a new window starts with this hit
                value, expires = amount, now + expiry
            else:
                value, expires = row[0] + amount, row[1]
            db.execute(
                "INSERT INTO counters(key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                (key, value, expires),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return value

    def _live(self, key: str) -> tuple[int, float] | None:
        row = (
            self._db()
            .execute("SELECT value, expires FROM counters WHERE key = ?", (key,))
            .fetchone()
        )
        return row if row is not None and row[1] > time.time() else None

    def get(self, key: str) -> int:
        row = self._live(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
