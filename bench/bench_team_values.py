"""How well the model's team values order one village's teams, and what each part of them is worth.

For every development world and seed, the teams the optimiser could form are valued by the model
and by the world's hidden outcome model (``bench.quality.team_values``): *rank* is the mean
within-village Spearman correlation, *pick* the true value of the model's favourite team over the
best true value among the sampled teams (capacity ignored), *formed* the normalized score of the
groups the formation makes with those values (capacity counted). Each column takes one part of
the group value out (pair terms, partners' own terms, size, complement) or all of them, all from
one fit of the model (no refit per column, so no refit noise between them): what each part of a
team's value is worth on a world, and what a change to the team values does, before running
``bench_quality.py``. Development generators only: held-out ones are for the quality bench's
final rows, not for diagnosis.

    python bench/bench_team_values.py --seeds 0,1 --output bench/results/team-values.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ceiling import formed_score  # noqa: E402
from bench.bench_quality import prepare  # noqa: E402
from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import DEVELOPMENT  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE  # noqa: E402
from bench.quality.evaluate import judge_groups  # noqa: E402
from bench.quality.team_values import ABLATIONS, team_value_scores  # noqa: E402
from matcher.recommend import build_problem  # noqa: E402


def scores(name: str, scale: str, seed: int, per_village: int, cache: Path = DEFAULT_CACHE) -> dict:
    """``ablation → (rank, pick, formed)`` of one world, the shipped model as ``recommend`` fits
    it; *formed* is the normalized score of the groups formed with those values (capacity
    counted, as ``bench_ceiling.py`` forms them)."""
    world, groups = prepare(name, scale, seed, cache)
    naive, truth = (judge_groups(world, groups[k]).value for k in ("naive", "true"))
    problem = build_problem(world.dataset, max_group=4, seed=0)
    return team_value_scores(
        world,
        problem,
        per_village=per_village,
        form=lambda values: formed_score(world, problem, values, naive, truth, 0),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", default=",".join(DEVELOPMENT))
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--per-village", type=int, default=1500, help="random teams per village")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="worlds and greedies")
    ap.add_argument("--output", help="also write the table to this file")
    args = ap.parse_args(argv)
    names = args.generators.split(",")
    refused = [n for n in names if n not in DEVELOPMENT]
    if refused:
        raise SystemExit(
            f"not a development generator: {', '.join(refused)} (held-out ones are "
            "for the quality bench's final rows)"
        )
    head = ["generator", "seed"] + [f"{a} rank / pick / formed" for a in ABLATIONS]
    lines = ["| " + " | ".join(head) + " |", "| --- | ---: |" + " ---: |" * len(ABLATIONS)]
    start = time.perf_counter()
    for name in names:
        for seed in (int(s) for s in args.seeds.split(",")):
            got = scores(name, args.scale, seed, args.per_village, args.cache)
            cells = [name, str(seed)] + [
                "{:.3f} / {:.3f} / {:.3f}".format(*got[a]) for a in ABLATIONS
            ]
            lines.append("| " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    table = (
        f"Team values against the truth, {args.scale}, {args.per_village} random teams per "
        f"village ({time.perf_counter() - start:.0f} s)\n\n" + "\n".join(lines) + "\n"
    )
    if args.output:
        write_report(table, args.output)
    else:
        print("\n" + table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
