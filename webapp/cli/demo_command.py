"""``baotuan demo``: make a synthetic city, province or nation and import it, or write it out."""

from __future__ import annotations

import argparse
import sys
import time

from graph_schema.contract.interchange import write_data
from graph_schema.demo import SCALES, generate_world
from graph_schema.operations import import_dataset
from webapp.cli import CliError, settings_from_args

__all__ = ["register"]

_XLSX_MAX_ROWS = 1_048_576  # Excel's limit, header row included


class _Progress:
    """One line on stderr per finished stage: what, how many rows, seconds since the start."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, stage: str, rows: int) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"demo: {stage:<22} {rows:>12,} rows {elapsed:8.1f}s", file=sys.stderr, flush=True)


def _demo(args) -> int:
    progress = _Progress()
    what = f"--scale {args.scale} --seed {args.seed}"
    print(f"demo: generating a {args.scale} world ({what})", file=sys.stderr, flush=True)
    world = generate_world(
        args.scale, seed=args.seed, volunteers=args.volunteers, progress=progress
    )
    rows = sum(world.counts().values())
    if args.output and str(args.output).lower().endswith(".xlsx"):
        largest = max(world.counts().items(), key=lambda item: item[1])
        if largest[1] >= _XLSX_MAX_ROWS:
            raise CliError(
                f"an .xlsx sheet holds at most {_XLSX_MAX_ROWS:,} rows but {largest[0]} has "
                f"{largest[1]:,}: write a data folder instead (--output DIR) or fewer --volunteers"
            )
    if args.output:
        print(f"demo: writing {args.output}", file=sys.stderr, flush=True)
        out = write_data(world, args.output, lambda name, n: progress(f"wrote {name}", n))
        print(f"demo: wrote {rows:,} rows to {out}", file=sys.stderr)
        return 0
    with settings_from_args(args).open_store() as store:
        print(f"demo: importing into {store.location}", file=sys.stderr, flush=True)
        report = import_dataset(store, world, actor=args.actor, source=f"baotuan demo {what}")
        progress("imported", rows)
        print(
            f"demo: imported {rows:,} rows into {store.location}; "
            f"{report.total_changed:,} inserted or changed",
            file=sys.stderr,
        )
    return 0


def _count(text: str) -> int:
    """A whole number ≥ 0 (``2_000_000`` and ``2,000,000`` accepted)."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative: use 0 or more")
    return value


def register(sub) -> None:
    sizes = "; ".join(
        f"{name}: {s.villages:,} villages, {s.organizations:,} organizations, {s.volunteers:,} volunteers"
        for name, s in SCALES.items()
    )
    p = sub.add_parser(
        "demo",
        help="make a realistic synthetic world and import it (or write it with --output)",
        description=f"Make a synthetic world with a project history the matcher can learn from ({sizes}).",
    )
    p.add_argument(
        "--scale", choices=tuple(SCALES), default="city", help="how large (default: city)"
    )
    p.add_argument(
        "--seed",
        type=_count,
        default=0,
        metavar="N",
        help="random seed; the same seed gives the same world",
    )
    p.add_argument(
        "--volunteers", type=_count, metavar="N", help="number of volunteers instead of the scale's"
    )
    p.add_argument(
        "--output",
        metavar="DIR",
        help="write a data folder (or an .xlsx workbook) here instead of importing",
    )
    p.add_argument("--actor", default="demo", help="who is recorded in the audit trail")
    p.set_defaults(func=_demo)
