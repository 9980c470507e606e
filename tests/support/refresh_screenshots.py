"""Copy the browser tests' latest screenshots into docs/screenshots, which the guides show.

The browser tests write their screenshots to ``tests/artifacts/screenshots/`` (ignored by git),
so a test run never changes tracked files. To refresh the guides' pictures::

    .venv/bin/pytest -m browser -n 0          # takes the screenshots
    .venv/bin/python -m tests.support.refresh_screenshots

It prints what it added or changed; review the pictures, then commit docs/screenshots.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> src, dest = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
>>> _ = (src / "login.png").write_bytes(b"png")
>>> refresh(src, dest)
{'login.png': 'added'}
>>> refresh(src, dest)
{}
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

__all__ = ["refresh", "main", "ARTIFACTS", "DOCS"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"


def refresh(source: Path = ARTIFACTS, dest: Path = DOCS) -> dict[str, str]:
    """Copy every ``*.png`` of ``source`` into ``dest``; returns ``{name: "added"|"changed"}``
    for the files that were new or different (identical ones are left alone)."""
    dest.mkdir(parents=True, exist_ok=True)
    done: dict[str, str] = {}
    for shot in sorted(source.glob("*.png")):
        target = dest / shot.name
        if target.exists() and target.read_bytes() == shot.read_bytes():
            continue
        done[shot.name] = "changed" if target.exists() else "added"
        shutil.copyfile(shot, target)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ARTIFACTS)
    parser.add_argument("--dest", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    if not any(args.source.glob("*.png")):
        print(
            f"no screenshots in {args.source}: run the browser tests first "
            "(.venv/bin/pytest -m browser -n 0)",
            file=sys.stderr,
        )
        return 1
    done = refresh(args.source, args.dest)
    for name, what in done.items():
        print(f"{what:8} {args.dest / name}")
    print(f"{len(done)} screenshots added or changed in {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
