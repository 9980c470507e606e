"""Calibration of the outcome model: predicted against reviewed score on the held-out year.

    python bench/bench_calibration.py [--worlds sample,city] [--generators dev|all|NAME,...]
                                      [--output bench/results/calibration.md]
                                      [--svg docs/calibration.svg] [--seed 0]

For each world the model is fitted on the reviews before the time split's test year and predicts
the test year's projects (:func:`matcher.calibration.held_out_predictions`, as the evaluation does).
The table has, per bin of predicted score (equal counts), the mean predicted and mean reviewed
score; then, per band of reviewed evidence behind the project's group, the mean absolute error and
the spread (half the 10–90 % range of reviewed − predicted) that becomes a recommendation's
uncertainty. ``--svg`` draws the first world's bins (the same figure as the run page). ``sample`` is
the Tai'an folder; ``city``/``province`` are demo worlds (cached by ``bench_recommend.py``);
``--generators`` adds ground-truth worlds of :mod:`bench.quality` at city scale (held out marked).
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


def _dataset(world: str, seed: int, cache: Path):
    from graph_schema.contract.dataset import Dataset
    from graph_schema.contract.interchange import read_data

    if world == "sample":
        return read_data(SAMPLE)
    if "@" in world:
        from bench.quality.cache import DEFAULT_CACHE, load_world

        name, scale = world.split("@")
        return load_world(name, scale, seed, DEFAULT_CACHE).dataset
    with open(make_world(world, seed, 1000, cache), "rb") as f:
        return Dataset(pickle.load(f))


def _label(world: str) -> str:
    if "@" not in world:
        return world
    from bench.quality import is_held_out

    return world + (" (held out)" if is_held_out(world.split("@")[0]) else "")


def _lines(world: str, cal, seconds: float) -> list[str]:
    out = [
        f"## {_label(world)}",
        "",
        f"Test year {cal.test_year}: {cal.n_projects:,} held-out projects ({seconds:.1f} s).",
        "",
        "| predicted score | projects | mean predicted | mean reviewed | reviewed − predicted |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for b in cal.bins:
        out.append(
            f"| {b.low:.1f}–{b.high:.1f} | {b.count:,} | {b.mean_predicted:.1f} | "
            f"{b.mean_reviewed:.1f} | {b.mean_reviewed - b.mean_predicted:+.1f} |"
        )
    out += [
        "",
        "| reviewed evidence | projects | mean absolute error | spread ± |",
        "| --- | ---: | ---: | ---: |",
    ]
    for band in cal.bands:
        span = f"{band.low:g}+" if band.high is None else f"{band.low:g}–{band.high:g}"
        out.append(f"| {span} | {band.count:,} | {band.mean_abs_error:.2f} | {band.spread:.2f} |")
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", default="sample,city")
    ap.add_argument("--generators", default="", help="all, dev, heldout or names (bench.quality)")
    ap.add_argument("--output", default=str(ROOT / "bench" / "results" / "calibration.md"))
    ap.add_argument("--svg", default=str(ROOT / "docs" / "calibration.svg"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default="/tmp/baotuan-bench")
    args = ap.parse_args(argv)
    from matcher.calibration import calibrate, held_out_predictions
    from matcher.snapshot import build_snapshot
    from webapp.officer.calibration_svg import calibration_svg

    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    if args.generators:
        from bench.bench_quality import select_generators

        worlds += [f"{g}@city" for g in select_generators(args.generators)]
    lines = [
        "# Outcome model: calibration on the held-out year",
        "",
        f"`python bench/bench_calibration.py --worlds {args.worlds}"
        + (f" --generators {args.generators}" if args.generators else "")
        + "`. Fitted on reviews before the test year, predicting the test year's projects "
        "with the history known at the cut. Evidence: mean reviewed projects per member of the "
        "project's group plus reviewed joint projects of its pairs. Spread: half the 10–90 % "
        "range of reviewed − predicted, the ± a recommendation with that evidence carries.",
        "",
    ]
    drawn = False
    for world in worlds:
        start = time.perf_counter()
        cal = calibrate(
            held_out_predictions(
                build_snapshot(_dataset(world, args.seed, Path(args.cache))), seed=args.seed
            )
        )
        lines += _lines(world, cal, time.perf_counter() - start)
        print(f"{world}: {cal.n_projects} held-out projects", file=sys.stderr, flush=True)
        if not drawn and args.svg:
            title = f"Predicted against reviewed score, {_label(world)}, {cal.test_year}"
            svg = calibration_svg(cal, "predicted score", "mean reviewed score", title)
            Path(args.svg).write_text(str(svg) + "\n", encoding="utf-8")
            drawn = True
    write_report("\n".join(lines), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
