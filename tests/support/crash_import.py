"""Kill ``baotuan import`` at chosen moments and check the store: shared by
``tests/test_crash_safety.py`` and the long run ``bench/crash_import.py`` (see its docstring).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

from graph_schema.contract.dataset import Dataset  # noqa: E402
from graph_schema.contract.interchange import read_data  # noqa: E402
from graph_schema.contract.tables import TABLES  # noqa: E402
from graph_schema.store import open_store  # noqa: E402
from webapp.settings import credentials_from_env  # noqa: E402

__all__ = ["CrashRun", "Trial", "write_variant", "state_of", "moment", "summary"]

SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
_CLI = "import sys; from webapp.cli import main; sys.exit(main())"
_FLOCK = "hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid

#: how variant ``i`` changes a table: column and new value from (old value, i)
_CHANGES = {
    "villages": ("name", lambda v, i: f"{v}·{i}"),
    "needs": ("severity", lambda v, i: str((int(v) + i - 1) % 5 + 1)),
    "organizations": ("name", lambda v, i: f"{v}·{i}"),
    "capabilities": ("level", lambda v, i: str((int(v) + i - 1) % 5 + 1)),
    "volunteers": ("name", lambda v, i: f"{v}·{i}"),
    "projects": ("name", lambda v, i: f"{v}·{i}"),
    "reviews": ("comment", lambda v, i: f"第{i}次"),
    "partnerships": (
        "since",
        lambda v, i: (dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(),
    ),
}


def _raw(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name, spec in TABLES.items():
        path = folder / spec.filename
        if path.exists():
            out[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


def write_variant(raw: dict[str, pd.DataFrame], i: int, folder: Path, broken: bool = False) -> Path:
    """Write variant ``i`` of the raw tables; ``broken`` adds one bad cell to the last table."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in raw.items():
        frame = frame.copy()
        if name in _CHANGES and len(frame):
            column, change = _CHANGES[name]
            frame[column] = [change(v, i) for v in frame[column]]
        if broken and name == "partnerships" and len(frame):
            frame.loc[frame.index[-1], "role"] = "boss"
        frame.to_csv(folder / TABLES[name].filename, index=False)
    return folder


def _digest(dataset: Dataset) -> str:
    return hashlib.sha256(repr(dataset.as_text()).encode()).hexdigest()


def state_of(location: str) -> tuple[str, int]:
    """What another process finds: the digest of everything stored and the imports on record."""
    store = open_store(location, credentials_from_env())
    try:
        return _digest(store.load_dataset()), len(store.audit_log(limit=10**7, action="import"))
    finally:
        store.close()


@dataclass
class Trial:
    """One import and what became of it."""

    number: int
    mode: str
    kill_at: float  # seconds after start
    killed: bool  # the process was still running when SIGKILL came
    seconds: float
    state: str  # before, after, or torn
    inside: bool | None  # SQLite: the process held the write lock when it was killed
    returncode: int | None
    stage: str | None = None  # Neo4j, staged: the state of the import job the kill left


class CrashRun:
    """Trials against the store at ``location`` (a SQLite path or a bolt:// URI)."""

    def __init__(
        self,
        location: str,
        world: Path,
        workdir: Path,
        seed: int = 0,
        staged_above: int | None = None,
        stale_after: float = 3.0,
    ):
        self.location = location
        self.sqlite = not location.startswith(("bolt", "neo4j"))
        self.staged = staged_above is not None and not self.sqlite
        if self.staged:  # every process of the run, this one too, imports staged
            os.environ["BAOTUAN_NEO4J_STAGED_ABOVE"] = str(staged_above)
            os.environ["BAOTUAN_NEO4J_STALE_AFTER"] = str(stale_after)
        self._probe = None
        self.workdir = workdir
        self.rng = random.Random(seed)
        self.raw = _raw(world)
        self.trials: list[Trial] = []
        self.next_variant = 0
        self.total = self.refused = self.writing = 0.0
        self.lock_window = 0.0  # how long after the lock is seen an in-transaction kill may come
        self.expected: tuple[str, int] = ("", 0)

    # -- the pieces -----------------------------------------------------------------------
    def _variant(self, broken: bool = False) -> tuple[int, Path, str]:
        i = self.next_variant
        self.next_variant += 1
        folder = write_variant(self.raw, i, self.workdir / f"v{i}", broken)
        digest = "" if broken else _digest(read_data(folder))
        return i, folder, digest

    def _start(self, folder: Path, actor: str) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CLI,
                "--store",
                self.location,
                "import",
                str(folder),
                "--actor",
                actor,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def _write_locked(self) -> bool | None:
        """Whether some process holds the SQLite store's write lock, i.e. is inside a write.

        In WAL mode SQLite takes its write lock as a POSIX lock on byte 120 of the ``-shm`` file;
        ``F_GETLK`` asks the kernel who holds it without taking anything. (This process must hold
        no connection to the store: closing this descriptor would drop that connection's locks.)
        """
        if not self.sqlite:
            return None
        try:
            fd = os.open(self.location + "-shm", os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 120, 1, 0)
            return struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, query))[0] != fcntl.F_UNLCK
        finally:
            os.close(fd)

    def _job_stage(self, actor: str) -> str | None:
        """The state of ``actor``'s staged import job (None: there is none), seen from outside."""
        if not self.staged:
            return None
        if self._probe is None:
            # takes over nothing itself: it only looks
            self._probe = open_store(self.location, credentials_from_env(), stale_after=1e9)
        jobs = [j.state for j in self._probe.import_jobs() if j.actor == actor]
        return jobs[0] if jobs else None

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None

    def _aim(self, proc: subprocess.Popen, mode: str, actor: str, started: float) -> float | None:
        """Staged modes: wait until the job is in the ``mode`` state, then pick the kill moment."""
        while proc.poll() is None:
            stage = self._job_stage(actor)
            if stage == mode or (mode == "staging" and stage == "applying"):
                if stage != mode:  # staging went by between two looks: aim at the next run
                    return None
                delay = 0.0 if mode == "staging" else self.rng.uniform(0.0, 0.8 * self.writing)
                return time.perf_counter() + delay
            time.sleep(0.02)
        return None

    def _run_whole(self, folder: Path) -> tuple[float, int, str]:
        started = time.perf_counter()
        proc = self._start(folder, "crash-calibration")
        _, err = proc.communicate(timeout=1800)
        return time.perf_counter() - started, proc.returncode, err.decode(errors="replace")

    def setup(self) -> None:
        """Import variant 0 (untimed), then time a whole import and a refused one."""
        from graph_schema.operations import import_path

        _, folder, digest0 = self._variant()
        with open_store(self.location, credentials_from_env()) as store:
            import_path(store, folder, actor="crash-setup")
        self.expected = state_of(self.location)
        assert self.expected[0] == digest0, "variant 0 did not import as itself"
        _, folder, digest = self._variant()
        self.total, code, err = self._run_whole(folder)
        if code != 0:
            raise RuntimeError(f"baotuan import failed ({code}): {err[-2000:]}")
        # the command says how long the transaction took: "... in 0.5s; ..."
        took = re.search(r" in ([\d.]+)s;", err)
        self.writing = max(float(took.group(1)) if took else self.total - self.refused, 0.05)
        self.lock_window = self.writing
        self.expected = state_of(self.location)
        assert self.expected[0] == digest, "a whole import did not give its variant"
        _, folder, _ = self._variant(broken=True)
        self.refused, code, err = self._run_whole(folder)
        if code != 1 or "Traceback" in err:
            raise RuntimeError(f"a broken variant was not refused cleanly ({code}): {err[-2000:]}")
        assert state_of(self.location) == self.expected, "a refused import changed the store"

    def _kill_time(self) -> float:
        if self.rng.random() < 0.7:  # mostly after validation, while the import writes
            return self.rng.uniform(0.9 * self.refused, 1.25 * self.total)
        return self.rng.uniform(0.05, self.total)

    def _settled_state(self, patience: float = 60.0) -> tuple[str, int]:
        """The store's state once nothing changes it any more.

        A Neo4j server finishes (commits or rolls back) a transaction on its own after its client
        died, and reads there see each statement's committed data, so a read during that moment
        can mix tables: read until two reads a second apart agree. A killed SQLite writer can do
        nothing more, so one read is the state.
        """
        found = state_of(self.location)
        if self.sqlite:
            return found
        deadline = time.perf_counter() + patience
        while time.perf_counter() < deadline:
            time.sleep(1.0)
            again = state_of(self.location)
            if again == found:
                return found
            found = again
        return found

    def trial(self, mode: str) -> Trial:
        """One import of the next variant, killed as ``mode`` says; checks the store afterwards."""
        i, folder, digest = self._variant()
        started = time.perf_counter()
        proc = self._start(folder, f"crash-{i}")
        aimed = mode in ("in-transaction", "staging", "applying")
        kill_at = 0.0 if aimed else self._kill_time()
        deadline = None if aimed else started + kill_at
        if mode in ("staging", "applying"):
            deadline = self._aim(proc, mode, f"crash-{i}", started)
            kill_at = (deadline or started) - started
        locked_since = None
        while proc.poll() is None:
            now = time.perf_counter()
            if mode == "in-transaction" and deadline is None:
                # the import's transaction, not the moment the store opens: held for 10 ms
                locked_since = (locked_since or now) if self._write_locked() else None
                if locked_since is not None and now - locked_since >= 0.01:
                    deadline = locked_since + self.rng.uniform(0.01, self.lock_window)
                    kill_at = deadline - started
            if deadline is not None and now >= deadline:
                break
            time.sleep(0.001)
        inside = self._write_locked()
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=600)
        stage = self._job_stage(f"crash-{i}") if killed else None
        seconds = time.perf_counter() - started
        if not killed and proc.returncode != 0:
            raise RuntimeError(f"baotuan import failed ({proc.returncode}): {err[-2000:].decode()}")
        if mode == "in-transaction" and killed and not inside:
            # The lock went before the kill came: the write was quicker than the calibration
            # said (a busy machine at calibration, a warm cache now). Aim earlier next time.
            self.lock_window = max(0.6 * self.lock_window, 0.02)
        if not killed and seconds < self.total:
            # Runs got faster than measured (a warm server, a quieter machine): aim earlier.
            shrink = (1 + seconds / self.total) / 2
            self.total *= shrink
            self.refused *= shrink
        found = self._settled_state()
        before, imports = self.expected
        if found == (before, imports):
            state = "before"
        elif found == (digest, imports + 1):
            state = "after"
            self.expected = found
        else:
            state = "torn"
        result = Trial(
            i,
            mode,
            kill_at,
            killed,
            seconds,
            state,
            inside if killed else None,
            proc.returncode,
            stage,
        )
        self.trials.append(result)
        return result

    def modes(self) -> tuple[str, ...]:
        """The kill moments that fit the store (see the module's docstring)."""
        if self.sqlite:
            return ("timed", "in-transaction")
        return ("staging", "applying", "timed") if self.staged else ("timed",)

    def run(self, kills: int, modes: tuple[str, ...], max_trials: int | None = None) -> list[Trial]:
        """Trials until ``kills`` processes were killed (finished runs do not count)."""
        max_trials = max_trials or 3 * kills
        while sum(t.killed for t in self.trials) < kills and len(self.trials) < max_trials:
            self.trial(modes[len(self.trials) % len(modes)])
        return self.trials


def moment(t: Trial) -> str:
    """When the kill came, as far as can be seen from outside."""
    if not t.killed:
        return "finished before the kill"
    if t.stage is not None:
        return f"killed while its job was {t.stage}"
    if t.inside is None:
        return "killed"
    return "killed inside the write transaction" if t.inside else "killed outside it"


def summary(trials: list[Trial]) -> list[str]:
    """A markdown table: kills and runs by mode and by what the store held afterwards."""
    rows: Counter = Counter()
    for t in trials:
        rows[(t.mode, moment(t), t.state)] += 1
    lines = [
        "| kill | moment | store afterwards | runs |",
        "| --- | --- | --- | ---: |",
    ]
    for (mode, when, state), n in sorted(rows.items()):
        lines.append(f"| {mode} | {when} | {state} | {n} |")
    killed = [t for t in trials if t.killed]
    torn = sum(t.state == "torn" for t in trials)
    lines += [
        "",
        f"**{len(killed)} kills** in {len(trials)} runs: "
        f"{sum(t.state == 'before' for t in killed)} left the store as before, "
        f"{sum(t.state == 'after' for t in killed)} as after, **{torn} torn**.",
    ]
    return lines
