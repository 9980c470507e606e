"""Who belongs together: the matcher's communities against the generators' hidden ones.

Two questions about communities (docs/matcher.md, *Communities across county borders*), asked of
the development generators only (held-out ones are for the quality bench's final rows):

- how well the matcher finds them, as pairs: of the pairs it puts in one community, the share
  truly in one (*precision*); of the truly joined pairs, the share it puts together (*recall*);
  with the number and median size of its communities of two or more (the default table);
- what finding them could be worth at most: the quality bench's rows with the matcher's
  communities replaced by the hidden ones, every organization outside one a community of one
  (``--oracle-rows``), to compare with ``bench/compare_quality.py`` against the shipped rows.

    python bench/bench_communities.py --seeds 0,1 --output communities.md
    python bench/bench_communities.py --seeds 0 --oracle-rows /tmp/oracle/d0.pkl
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_quality  # noqa: E402
from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import DEVELOPMENT  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE, load_world  # noqa: E402
from matcher.collaboration import History  # noqa: E402
from matcher.snapshot import build_snapshot  # noqa: E402

__all__ = ["pair_agreement", "recovery_row", "true_communities", "main"]


def _joined_pairs(labels: np.ndarray) -> int:
    _, count = np.unique(labels, return_counts=True)
    return int((count * (count - 1) // 2).sum())


def pair_agreement(true: np.ndarray, found: np.ndarray) -> tuple[float, float]:
    """``(precision, recall)`` of ``found`` communities against ``true`` ones, counted in pairs.

    ``true`` is a label per organization (-1: in none), ``found`` a label per organization (a
    community of one for those in none).

    Examples
    --------
    >>> pair_agreement(np.array([0, 0, 1, 1, -1]), np.array([5, 5, 5, 6, 7]))
    (0.3333333333333333, 0.5)
    """
    member = true >= 0
    both = _joined_pairs(true[member] * (int(found.max()) + 1) + found[member])
    found_pairs, true_pairs = _joined_pairs(found), _joined_pairs(true[member])
    return both / max(found_pairs, 1), both / max(true_pairs, 1)


def _count(sizes: np.ndarray) -> str:
    return f"{len(sizes)} ({np.median(sizes):.0f})" if len(sizes) else "0"


def recovery_row(name: str, scale: str, seed: int, cache: Path = DEFAULT_CACHE) -> list[str]:
    """One table row: the matcher's communities of one world against its hidden ones."""
    world = load_world(name, scale, seed, cache)
    found = History(build_snapshot(world.dataset), seed=0).community
    precision, recall = pair_agreement(world.communities, found)
    sizes = np.bincount(found)
    sizes = sizes[sizes > 1]
    true_sizes = np.bincount(world.communities[world.communities >= 0])
    true_sizes = true_sizes[true_sizes > 0]
    return [
        name,
        str(seed),
        _count(true_sizes),
        _count(sizes),
        f"{precision:.3f}",
        f"{recall:.3f}",
    ]


@contextlib.contextmanager
def true_communities():
    """While inside, the quality bench's matcher reads each world's hidden communities."""
    world_of: dict = {}
    prepare, communities = bench_quality.prepare, History._communities

    def remembering(name, scale, seed, cache):
        world, groups = prepare(name, scale, seed, cache)
        world_of["current"] = world
        return world, groups

    def hidden(self, adj, seed, county=None):
        n = adj.shape[0]
        label = world_of["current"].communities
        return np.where(label >= 0, label, np.arange(n) + n).astype(np.int64)

    bench_quality.prepare, History._communities = remembering, hidden
    try:
        yield
    finally:
        bench_quality.prepare, History._communities = prepare, communities


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", default=",".join(DEVELOPMENT))
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="worlds and greedies")
    ap.add_argument("--output", help="also write the table to this file")
    ap.add_argument("--oracle-rows", help="run the quality bench with the hidden communities")
    args = ap.parse_args(argv)
    names = args.generators.split(",")
    if set(names) - set(DEVELOPMENT):
        unknown = ", ".join(sorted(set(names) - set(DEVELOPMENT)))
        raise SystemExit(f"{unknown}: only development generators are for diagnosis")
    if args.oracle_rows:
        if "," in args.seeds:
            raise SystemExit("--oracle-rows takes one seed (one rows file per seed)")
        seed = int(args.seeds)
        with true_communities(), tempfile.TemporaryDirectory() as tmp:
            return bench_quality.main(
                ["--scales", args.scale, "--generators", ",".join(names), "--seed", str(seed)]
                + ["--cache", str(args.cache), "--rows", args.oracle_rows]
                + ["--output", str(Path(tmp) / "oracle.md")]
            )
    head = ["generator", "seed", "hidden (median size)", "found (median size)"]
    head += ["precision", "recall"]
    lines = ["| " + " | ".join(head) + " |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name in names:
        for seed in (int(s) for s in args.seeds.split(",")):
            lines.append("| " + " | ".join(recovery_row(name, args.scale, seed, args.cache)) + " |")
            print(lines[-1], flush=True)
    title = f"The matcher's communities against the hidden ones, {args.scale}, as pairs"
    report = "\n".join([title, "", *lines, ""])
    write_report(report, args.output) if args.output else print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
