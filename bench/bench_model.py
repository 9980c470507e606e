"""The outcome model on a time split: MAE and Spearman against the global mean and a rating-only model.

    python bench/bench_model.py [--worlds sample,city,province] [--output bench/results/model-eval.md]
                                [--seed 0] [--cache /tmp/baotuan-bench]
    python bench/bench_model.py --generators all|dev|heldout|NAME,... [--scales city,province]
                                [--output bench/results/model-eval-generators.md]

``sample`` is the Tai'an folder in ``../shared/sample-data``; ``city``, ``province`` and ``nation`` are
demo worlds (:func:`graph_schema.demo.generate_world`, cached by ``bench_recommend.py``). The model
trains on reviews before the test year (at most 200,000, sampled) and is tested on the test year and
later (the latest year, joined with the one before when it holds under 10 % of the reviews); test
rows see only the history from before the cut.

``--generators`` evaluates on the ground-truth worlds of :mod:`bench.quality` instead (held-out
generators marked; cached under ``/tmp/baotuan-quality``, see ``docs/quality-bench.md``).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_recommend import SAMPLE, make_world, write_report  # noqa: E402

__all__ = ["main"]


def evaluate(world: str, seed: int, cache: Path) -> tuple[dict, float]:
    from graph_schema.contract.dataset import Dataset
    from graph_schema.contract.interchange import read_data
    from matcher.evaluation import evaluate_time_split
    from matcher.snapshot import build_snapshot

    if "@" in world:  # a ground-truth generator at a scale: "dev_local_teams@city"
        from bench.quality.cache import DEFAULT_CACHE, load_world

        name, scale = world.split("@")
        dataset = load_world(name, scale, seed, DEFAULT_CACHE).dataset
    elif world == "sample":
        dataset = read_data(SAMPLE)
    else:
        # volunteers play no part in the model: any cached world of the scale will do
        cached = sorted(cache.glob(f"world-{world}-s{seed}-v*.pkl"))
        path = cached[0] if cached else make_world(world, seed, 1000, cache)
        with open(path, "rb") as f:
            dataset = Dataset(pickle.load(f))
    from matcher.errors import MatcherError

    start = time.perf_counter()
    try:
        ev = evaluate_time_split(build_snapshot(dataset), seed=seed)
    except MatcherError as exc:  # e.g. too few reviews before the test year
        ev = {"skipped": str(exc)}
    return ev, time.perf_counter() - start


def _label(world: str) -> str:
    """``name@scale``, marked when the generator is held out (report on it, never tune on it)."""
    from bench.quality import is_held_out

    return world + " (**held out**)" if is_held_out(world.split("@")[0]) else world


def format_report(results: list[tuple[str, dict, float]]) -> str:
    lines = [
        "# Outcome model: time-split evaluation",
        "",
        "Train on reviews before the test year, test on the test year and after; MAE in review points",
        "(0..100), Spearman rank correlation between predicted and actual scores.",
        "",
        "| world | train | test | test years | model | MAE | Spearman | seconds |",
        "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: |",
    ]
    for world, ev, seconds in results:
        if "model" not in ev:
            lines.append(f"| {world} | | | | {ev} | | | |")
            continue
        years = str(ev["test_year"])
        if ev.get("last_year", ev["test_year"]) != ev["test_year"]:
            years += f"–{ev['last_year']}"
        for name in ("global mean", "rating only", "model"):
            m = ev[name]
            lines.append(
                f"| {world} | {ev['n_train']:,} | {ev['n_test']:,} | {years} | {name} | "
                f"{m['mae']:.2f} | {m['spearman']:.3f} | {seconds:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", default="sample,city,province")
    ap.add_argument("--generators", default="", help="all, dev, heldout or names (bench.quality)")
    ap.add_argument("--scales", default="city", help="with --generators: city,province")
    ap.add_argument("--output", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default="/tmp/baotuan-bench")
    args = ap.parse_args(argv)
    results = []
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    output = args.output or str(ROOT / "bench" / "results" / "model-eval.md")
    if args.generators:
        from bench.bench_quality import select_generators

        scales = [s.strip() for s in args.scales.split(",") if s.strip()]
        worlds = [f"{g}@{s}" for s in scales for g in select_generators(args.generators)]
        output = args.output or str(ROOT / "bench" / "results" / "model-eval-generators.md")
    for world in worlds:
        ev, seconds = evaluate(world, args.seed, Path(args.cache))
        mae = f"{ev['model']['mae']:.2f}" if "model" in ev else ev.get("skipped")
        print(f"{world}: model MAE {mae}", file=sys.stderr, flush=True)
        results.append((_label(world), ev, seconds))
    write_report(format_report(results), output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
