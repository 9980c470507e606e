"""``baotuan worker`` in a child process, and a Redis database of its own for each test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["JobWorker", "fresh_redis_url", "REDIS_SKIP_REASON"]

ROOT = Path(__file__).resolve().parents[2]
REDIS_SKIP_REASON = (
    "no Redis for tests: BAOTUAN_TEST_REDIS_URL is not set "
    '(bash .ci/redis start && eval "$(bash .ci/redis env)")'
)


def fresh_redis_url(base: str) -> str:
    """``base`` with a logical database no other test of this server has had, emptied.

    Tests running at once (pytest-xdist) share one Redis: each takes the next number of a
    counter kept in database 0 (``.ci/redis`` starts the server with 64 databases).
    """
    from redis import Redis

    root, _, _db = base.rpartition("/")
    counter = Redis.from_url(f"{root}/0")
    try:
        databases = int(counter.config_get("databases")["databases"])
        number = 1 + (int(counter.incr("baotuan-tests:next-database")) - 1) % (databases - 1)
    finally:
        counter.close()
    url = f"{root}/{number}"
    db = Redis.from_url(url)
    db.flushdb()
    db.close()
    return url


class JobWorker:
    """``baotuan worker`` for ``instance`` and ``store`` on the queue at ``redis_url``.

    ``burst``: the process works until the queue is empty and exits (:meth:`wait`); otherwise it
    waits for jobs until :meth:`stop`. ``env`` adds environment variables (e.g.
    ``BAOTUAN_DATABASE_URL``). Its messages go to ``<instance>/worker.log``.
    """

    def __init__(
        self,
        instance: Path,
        store: str,
        redis_url: str,
        burst: bool = False,
        env: dict | None = None,
    ):
        Path(instance).mkdir(parents=True, exist_ok=True)
        argv = ["worker", "--instance", str(instance), "--store", store, "--log-level", "WARNING"]
        if burst:
            argv.append("--burst")
        code = f"import sys; from webapp.cli import main; sys.exit(main({argv!r}))"
        self.log = Path(instance) / "worker.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                env={**os.environ, **(env or {}), "BAOTUAN_REDIS_URL": redis_url},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        if not burst:
            self._wait_until_registered(redis_url)

    def _wait_until_registered(self, redis_url: str) -> None:
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                if any(w.name.endswith(f"-{self.process.pid}") for w in Worker.all(connection)):
                    return
                if self.process.poll() is not None:
                    raise RuntimeError(f"the worker did not start: {self.output()}")
                time.sleep(0.2)
        finally:
            connection.close()
        self.stop()
        raise RuntimeError(f"the worker did not register within 60 s: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self, timeout: float = 300) -> int:
        """Wait for a burst worker to finish; returns its exit code."""
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the worker dies in the middle of whatever it does."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
