"""How long each door takes to refuse a workbook that unpacks to 1 GB, and the memory it needs
(issue 12: "refused through the site and the command line in seconds, memory under 500 MB").

Usage: ``python bench/bench_refusal.py [--unpacked-mb 1024] [--out bench/results/refusal.md]``.
Builds a ~1 MB workbook whose villages sheet unpacks to ``--unpacked-mb`` MB of blanks
(``tests/support/bombs.py``), then sends it, each in a process of its own, to ``baotuan import``,
to the admin's import page and to an organization's volunteer upload (Flask's test client on a
store holding the Tai'an sample, signed in as the demo accounts). Prints the wall seconds (the
site rows include building the app), the peak memory of that process and the answer.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
RESULTS = ROOT / "bench" / "results" / "refusal.md"
TARGET_MIB = 500

__all__ = ["main"]


def _seeded_store(folder: Path) -> Path:
    from graph_schema.operations import import_path
    from graph_schema.store import SqliteGraphStore

    path = folder / "seeded.sqlite"
    store = SqliteGraphStore(str(path))
    try:
        import_path(store, SAMPLE, actor="bench")
    finally:
        store.close()
    return path


def main(argv: list[str] | None = None) -> int:
    from tests.support.bombs import SITE_UPLOAD, run_measured, unpacking_workbook

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unpacked-mb", type=int, default=1024)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="baotuan-refusal-") as tmp:
        folder = Path(tmp)
        bomb = unpacking_workbook(folder / "泰安数据.xlsx", unpacked=args.unpacked_mb * 1024**2)
        seeded = _seeded_store(folder)
        baotuan = shutil.which("baotuan") or str(ROOT / ".venv" / "bin" / "baotuan")
        rows = []
        done, peak, seconds = run_measured(
            [baotuan, "--store", str(folder / "cli.sqlite"), "import", str(bomb)]
        )
        rows.append(("baotuan import", seconds, peak, f"exit {done.returncode}"))
        for door, url, field, user in (
            ("site: admin import (/admin/imports)", "/admin/imports", "data", "admin"),
            ("site: volunteer upload", "/organization/volunteers/upload", "files", "org"),
        ):
            store = folder / f"{user}.sqlite"
            shutil.copy(seeded, store)
            command = [sys.executable, "-c", SITE_UPLOAD, str(store), str(bomb), url, field, user]
            done, peak, seconds = run_measured(command)
            answer = json.loads(done.stdout.strip().splitlines()[-1])["status"]
            rows.append((door, seconds, peak, f"HTTP {answer}"))
        size_mb = bomb.stat().st_size / 1024**2
    lines = [
        "# Benchmark: refusing a workbook that unpacks to "
        f"{args.unpacked_mb:,} MB ({size_mb:.1f} MB on disk)",
        "",
        f"`python bench/bench_refusal.py`; {platform.machine()}, Python "
        f"{platform.python_version()}. Wall seconds per door (the site rows include building "
        f"the app), peak memory of the process (target < {TARGET_MIB} MiB).",
        "",
        "| door | seconds | peak MiB | answer |",
        "| --- | ---: | ---: | --- |",
    ]
    lines += [f"| {d} | {s:.1f} | {p:.0f} | {a} |" for d, s, p, a in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
