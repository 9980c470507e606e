"""The Neo4j transaction runner: one driver and database, and how every transaction is run.

:class:`Neo4jTx` is what the store (:mod:`graph_schema.store.neo4j`), the staged import
(:mod:`~graph_schema.store.neo4j_staged`) and its jobs (:mod:`~graph_schema.store.neo4j_jobs`)
share: managed ``read`` and ``write`` transactions (the driver retries transient failures),
``session`` for auto-commit statements, and the driver's errors turned into ours with one line
that says what to do. :func:`write_audit` and :func:`bump_versions` are the statements every
change ends with. None of these modules calls into another's private parts.

A write that meets a staged import being applied is refused by :func:`write_audit` with
:class:`ImportInProgressError`; :meth:`Neo4jTx.write` then rolls back, calls ``on_busy`` (the
store passes the jobs module's ``settle``, which waits for the import or takes it over) and
runs the write again.

Examples
--------
>>> import os
>>> uri = os.environ.get("BAOTUAN_TEST_NEO4J_URI")
>>> if uri:  # only with a server; see docs/neo4j.md
...     tx = Neo4jTx.connect(uri, "neo4j", os.environ["NEO4J_PASSWORD"], "neo4j")
...     assert tx.read(lambda t: t.run("RETURN 1 AS one").single()["one"]) == 1
...     tx.close()
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from neo4j import Driver, GraphDatabase, Session
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionAcquisitionTimeoutError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from ..errors import GraphSchemaError, ImportInProgressError, StoreError, StoreUnavailableError
from . import cypher, cypher_staged
from .base import now_iso

__all__ = ["Neo4jTx", "write_audit", "bump_versions", "one_line", "out_of_memory"]


def one_line(text: object) -> str:
    """``text`` with its whitespace runs (newlines too) as single spaces.

    Examples
    --------
    >>> one_line("a\\n  b")
    'a b'
    """
    return " ".join(str(text).split())


def out_of_memory(exc: Neo4jError) -> bool:
    """The server's transaction memory limits (all transactions, or one) refused an allocation."""
    code = exc.code or ""
    return "MemoryPoolOutOfMemoryError" in code or "TransactionMemoryLimit" in code


class Neo4jTx:
    """Transactions on one Neo4j database through one driver.

    Parameters
    ----------
    driver : neo4j.Driver
        The driver (closed by :meth:`close`).
    uri, user, database : str
        Where and as whom, for error messages.
    import_wait : float
        Seconds a write waits, in all, for staged imports being applied.
    on_busy : callable, optional
        ``on_busy(states, deadline)``: wait until no import is in ``states`` (raise at the
        ``time.monotonic()`` ``deadline``); without it a busy write raises at once.
    """

    def __init__(
        self,
        driver: Driver,
        uri: str,
        user: str,
        database: str,
        *,
        import_wait: float = 60.0,
        on_busy: Callable[[tuple[str, ...], float], None] | None = None,
    ):
        self.driver, self.uri, self.user, self.database = driver, uri, user, database
        self.location = f"{uri.rstrip('/')}/{database}"
        self.import_wait, self.on_busy = import_wait, on_busy

    @classmethod
    def connect(
        cls, uri: str, user: str, password: str, database: str, *, timeout: float = 10.0, **options
    ) -> Neo4jTx:
        """A runner with a new driver for ``uri`` (nothing is sent until the first transaction).

        Raises
        ------
        StoreUnavailableError
            ``uri`` is not a Neo4j URI the driver accepts.
        """
        try:
            driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=timeout,
                notifications_min_severity="OFF",
            )
        except (ValueError, TypeError) as exc:
            raise StoreUnavailableError(
                f"cannot open the Neo4j store {uri}: {one_line(exc)}"
            ) from exc
        except Exception as exc:
            cls(None, uri, user, database).translate(exc)  # type: ignore[arg-type]
        return cls(driver, uri, user, database, **options)

    def close(self) -> None:
        self.driver.close()

    # -- errors --------------------------------------------------------------------------
    def translate(self, exc: BaseException) -> NoReturn:
        """Raise ``exc`` as one of our errors with one line that says what to do."""
        if isinstance(exc, GraphSchemaError):
            raise exc
        if isinstance(exc, AuthError):
            raise StoreUnavailableError(
                f"the Neo4j server at {self.uri} refused user '{self.user}': wrong user name or "
                "password (set NEO4J_USER and NEO4J_PASSWORD)"
            ) from exc
        if isinstance(exc, IncompleteCommit):
            raise StoreUnavailableError(
                f"the connection to the Neo4j server at {self.uri} broke during the commit: the "
                "write may or may not be stored (check the server's log and what it holds)"
            ) from exc
        if isinstance(exc, ServiceUnavailable | SessionExpired | ConnectionAcquisitionTimeoutError):
            raise StoreUnavailableError(
                f"cannot reach the Neo4j server at {self.uri} (is it running?): {one_line(exc)}"
            ) from exc
        if isinstance(exc, ClientError) and "DatabaseNotFound" in (exc.code or ""):
            raise StoreUnavailableError(
                f"the Neo4j server at {self.uri} has no database '{self.database}' (set NEO4J_DATABASE)"
            ) from exc
        if isinstance(exc, Neo4jError) and out_of_memory(exc):
            raise StoreError(
                "the Neo4j server has too little transaction memory for this write (nothing was "
                "stored): give it a larger heap or dbms.memory.transaction.total.max, or load large "
                "worlds with `baotuan export --format neo4j-admin` (docs/neo4j.md)"
            ) from exc
        if isinstance(exc, Neo4jError):
            raise StoreError(
                f"Neo4j refused the operation ({exc.code}): {one_line(exc.message)}"
            ) from exc
        if isinstance(exc, DriverError):
            raise StoreError(f"Neo4j store {self.location}: {one_line(exc)}") from exc
        raise exc

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn the driver's errors raised inside into ours (:meth:`translate`)."""
        try:
            yield
        except GraphSchemaError:
            raise
        except Exception as exc:
            self.translate(exc)

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def session(self, **config: Any) -> Iterator[Session]:
        """A session on the database, for auto-commit statements (not retried), errors translated."""
        with self.errors(), self.driver.session(database=self.database, **config) as session:
            yield session

    def write(self, work: Callable, *args, **kwargs):
        """Run ``work(tx, ...)`` as one managed write transaction (retried on transient errors).

        A write that meets a staged import being applied rolls back, waits for the import
        (``on_busy``) up to ``import_wait`` seconds in all, and runs again.
        """
        deadline = time.monotonic() + self.import_wait
        while True:
            try:
                with self.session() as session:
                    return session.execute_write(work, *args, **kwargs)
            except ImportInProgressError as busy:
                if self.on_busy is None:
                    raise
                self.on_busy(busy.states, deadline)  # raises at the deadline

    def read(self, work: Callable, *args, fetch_size: int = 1000, **kwargs):
        """Run ``work(tx, ...)`` as one managed read transaction."""
        with self.session(fetch_size=fetch_size) as session:
            return session.execute_read(work, *args, **kwargs)

    def run_in_tx(self, statement: str, **parameters: Any) -> dict | None:
        """Run one write statement in a managed transaction; its single record as a dict (or None)."""

        def work(tx) -> dict | None:
            record = tx.run(statement, parameters).single()
            return None if record is None else dict(record)

        return self.write(work)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def write_audit(
    tx,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    *,
    job: str = "",
    wait_for: tuple[str, ...] = ("applying",),
) -> int:
    """Append the audit entry, the last statement of a write; returns its sequence number.

    Under the audit lock it first looks for staged import jobs in ``wait_for`` (other than
    ``job``): if there is one the write must not commit now, and ``ImportInProgressError``
    rolls it back (:meth:`Neo4jTx.write` waits and runs it again).
    """
    if wait_for:
        busy = tx.run(cypher_staged.GATE, states=list(wait_for), job=job).single(strict=True)
        if busy["busy"]:
            raise ImportInProgressError("an import is in progress", wait_for)
    record = tx.run(
        cypher.APPEND_AUDIT,
        at=now_iso(),
        actor=actor,
        action=action,
        target=target,
        before=_dump(before),
        after=_dump(after),
    ).single(strict=True)
    return record["seq"]


def bump_versions(tx, tables: list[str]) -> None:
    """Raise the version of each of ``tables`` (readers compare versions to see a change)."""
    if tables:
        tx.run(cypher.BUMP_VERSIONS, tables=tables).consume()
