"""``baotuan serve`` in a child process, for the benchmarks that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["SiteServer"]

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiteServer:
    """The site (waitress) on a free loopback port, serving ``instance`` with ``store``.

    ``env`` adds environment variables (e.g. ``BAOTUAN_PROXY_COUNT``); the constructor returns
    once the port accepts connections.
    """

    def __init__(self, instance: Path, store: str, threads: int = 8, env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = (
            "import sys; from webapp.cli import main; "
            f"sys.exit(main(['serve', '--instance', {str(instance)!r}, '--port', '{self.port}', "
            f"'--threads', '{threads}']))"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "BAOTUAN_STORE": store, **(env or {})},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
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
