"""``baotuan serve`` in a child process, for the tests and benchmarks that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["SiteServer"]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiteServer:
    """The site on a free loopback port, serving ``instance`` with ``store``.

    ``baotuan serve`` with ``threads`` threads per process: waitress when ``workers`` is 1,
    gunicorn with ``workers`` processes otherwise. ``env`` adds environment variables (e.g.
    ``BAOTUAN_PROXY_COUNT``); the constructor returns once the site answers.
    """

    def __init__(
        self,
        instance: Path,
        store: str,
        threads: int = 8,
        env: dict | None = None,
        workers: int = 1,
    ):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = (
            "import sys; from webapp.cli import main; "
            f"sys.exit(main(['serve', '--instance', {str(instance)!r}, '--store', {store!r}, "
            f"'--port', '{self.port}', "
            f"'--threads', '{threads}', '--workers', '{workers}']))"
        )
        # The server's messages go to a file: a pipe nobody reads would stall it once full.
        self.log = Path(instance) / "server.log"
        Path(instance).mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                env={**os.environ, **(env or {})},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # Ready when a page answers (gunicorn accepts connections before its workers load).
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None:
                    err = self.log.read_text(errors="replace")
                    raise RuntimeError(f"the server did not start: {err}") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
