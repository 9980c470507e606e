"""Where the gap to the truth-knowing greedy is: members alone, or what their groups add.

For each generator, the groups of the shipped recommender, its quality-only variant and the
truth-knowing greedy are judged by the world's hidden outcome model and split into *alone* (the
true score above the floor of the member covering each need, by itself) and *lift* (what its group
adds to that), severity-weighted (``bench.quality.evaluate.alone_and_lift``). Development
generators by default: held-out ones are for the quality bench's final rows, not for diagnosis.

    python bench/bench_quality_gap.py --seeds 0,1 --output gap.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quality import DEVELOPMENT  # noqa: E402
from bench.quality.cache import load_world  # noqa: E402
from bench.quality.evaluate import alone_and_lift, groups_from_contract_json  # noqa: E402
from bench.quality.greedy import reference_greedy  # noqa: E402
from matcher import recommend  # noqa: E402

SYSTEMS = ("shipped", "quality-only", "truth")


def gap_rows(name: str, scale: str, seed: int) -> dict[str, tuple[float, float]]:
    """``system → (alone, lift)`` for one world."""
    world = load_world(name, scale, seed)
    groups = {
        "shipped": recommend(world.dataset, max_group=4, seed=0),
        "quality-only": recommend(
            world.dataset, max_group=4, seed=0, variant="quality_only", evaluate=False
        ),
    }
    out = {
        k: alone_and_lift(world, groups_from_contract_json(world, r.to_contract_json()))
        for k, r in groups.items()
    }
    out["truth"] = alone_and_lift(world, reference_greedy(world, "true"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", default=",".join(DEVELOPMENT))
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--output", help="also write the table to this file")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    head = ["generator"] + [f"{s} {part}" for s in SYSTEMS for part in ("alone", "lift")]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for name in args.generators.split(","):
        per_seed = [gap_rows(name, args.scale, seed) for seed in seeds]
        cells = [name]
        for system in SYSTEMS:
            for part in (0, 1):
                fmt = "{:+.1f}" if part else "{:.1f}"
                cells.append(" / ".join(fmt.format(r[system][part]) for r in per_seed))
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    table = (
        f"Alone and lift, {args.scale}, seeds {' / '.join(map(str, seeds))} "
        "(true score points above the floor, severity-weighted)\n\n" + "\n".join(lines) + "\n"
    )
    print("\n" + table)
    if args.output:
        Path(args.output).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
