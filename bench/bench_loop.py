"""The loop measured: does the model improve as a year of platform-recorded outcomes is added?

    python bench/bench_loop.py [--scales city] [--generators all|dev|heldout|NAME,...]
                               [--years 1] [--seed 0] [--out bench/results/loop.md]
                               [--cache /tmp/baotuan-quality]

For each generator of :mod:`bench.quality` (worlds and reference greedies as ``bench_quality.py``
makes and caches them): **before**, ``matcher.recommend(dataset, max_group=4, seed=0)`` on the
world's history (2016–2021) — normalized score (0 naive greedy, 1 truth greedy, in true value),
the time-split evaluation of ``summary["model"]``, and how far the recommendation's own predicted
scores are from the hidden expected ones. Then one simulated year on the platform
(:func:`bench.quality.loop.simulate_year`): every recommended group carries out its covered needs
and is reviewed as the platform records reviews. **After**: ``recommend`` again on the augmented
history for the same villages and needs (the year's groups have ended; the greedies do not read
the history, so the baselines are the same), measured the same way. ``--years N`` repeats the
year N times. Held-out generators are marked; the matcher is never tuned on them.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_quality import _matcher_version, prepare, select_generators  # noqa: E402
from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import is_held_out  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE  # noqa: E402
from bench.quality.evaluate import groups_from_contract_json, judge_groups, normalized  # noqa: E402
from bench.quality.loop import (  # noqa: E402
    after_year,
    pairs_with_evidence,
    prediction_errors,
    recommended_pairs_with_evidence,
    simulate_year,
)

__all__ = ["main", "measure", "run_generator", "FIRST_YEAR"]

#: the first simulated year on the platform (the worlds are observed on 2021-12-31)
FIRST_YEAR = 2022


def measure(world, naive: float, truth: float) -> tuple[dict, dict]:
    """One matcher run on ``world``: the row of numbers and the recommendation document."""
    from matcher import recommend

    start = time.perf_counter()
    doc = recommend(world.dataset, max_group=4, seed=0).to_contract_json()
    seconds = time.perf_counter() - start
    ids = [r["village_id"] for r in doc["recommendations"]]
    judged = judge_groups(
        world, groups_from_contract_json(world, doc), duplicates=len(ids) - len(set(ids))
    )
    hit, total = recommended_pairs_with_evidence(world.dataset, doc)
    row = {
        "normalized": normalized(judged.value, naive, truth),
        "value": judged.value,
        "rules": judged.rule_violations + judged.capacity_violations,
        "seconds": seconds,
        "reviews": len(world.dataset["reviews"]),
        "pairs": pairs_with_evidence(world.dataset),
        "group_pairs": (hit, total),
        "time_split": (doc["summary"].get("model") or {}).get("time_split") or {},
        "predictions": prediction_errors(world, doc),
    }
    return row, doc


def run_generator(name: str, scale: str, seed: int, years: int, cache: Path) -> list[dict]:
    """Rows for ``name``: before, then after each simulated year."""
    world, groups = prepare(name, scale, seed, cache)
    naive = judge_groups(world, groups["naive"]).value
    truth = judge_groups(world, groups["true"]).value
    rows, added = [], 0
    for step in range(years + 1):
        row, doc = measure(world, naive, truth)
        row.update(generator=name, scale=scale, held_out=is_held_out(name), step=step, added=added)
        rows.append(row)
        print(
            f"  {name} {'before' if step == 0 else f'after {step} year(s)'}: "
            f"{row['normalized']:.3f} ({row['seconds']:.0f}s)",
            file=sys.stderr,
            flush=True,
        )
        if step < years:
            year = simulate_year(world, doc, FIRST_YEAR + step, seed)
            added += len(year.reviews)
            world = after_year(world, year)
        del doc
        gc.collect()
    return rows


def _ts(ev: dict, key: str, metric: str, fmt: str) -> str:
    return format(ev[key][metric], fmt) if key in ev else "n/a"


def format_report(rows: list[dict], seed: int, matcher: str) -> str:
    lines = [
        "# Benchmark: the loop — the model with a simulated year of platform-recorded outcomes",
        "",
        f"Matcher at {matcher}. Machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}; seed {seed}. Worlds from `bench/quality/` "
        "(`docs/quality-bench.md`, section *Loop*); *held out* generators are never tuned on.",
        "",
        "*before*: `recommend(dataset, max_group=4, seed=0)` on the world's history (2016–2021).",
        "*after N*: the recommended groups carried out their covered needs for N year(s) and were",
        "reviewed as the platform records reviews (`bench/quality/loop.py`); `recommend` again for",
        "the same villages and needs. *normalized*: 0 naive greedy, 1 truth greedy (true value).",
        "*platform reviews*: reviews added by the simulated years. *pairs with evidence*: pairs of",
        "organizations sharing a reviewed project in the history; *recommended pairs*: of the pairs",
        "in the recommended groups, those with a reviewed joint project. *own predictions*: the",
        "recommendation's `predicted_score` for each covered need against the hidden expected",
        "score of that project (MAE and mean signed error *bias* in points, Spearman). *time split*: `summary['model']",
        "['time_split']` — after a year its test year is the platform year, i.e. the model trained",
        "before it predicting what its own recommendations achieved.",
        "",
        "| generator | held out | step | reviews | platform reviews | pairs with evidence | "
        "recommended pairs with evidence | normalized | own predictions MAE | bias | "
        "Spearman | time split test year | train / test | model MAE | model Spearman | "
        "seconds | rule breaks |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ev, pe = r["time_split"], r["predictions"]
        hit, total = r["group_pairs"]
        lines.append(
            f"| {r['generator']} | {'**held out**' if r['held_out'] else 'dev'} | "
            f"{'before' if r['step'] == 0 else 'after ' + str(r['step'])} | {r['reviews']:,} | "
            f"{r['added']:,} | {r['pairs']:,} | {hit:,} / {total:,} | "
            f"**{r['normalized']:.3f}** | {pe['mae']:.2f} | {pe['bias']:+.2f} | {pe['spearman']:.3f} | "
            f"{ev.get('test_year', 'n/a')} | {ev.get('n_train', 0):,} / {ev.get('n_test', 0):,} | "
            f"{_ts(ev, 'model', 'mae', '.2f')} | {_ts(ev, 'model', 'spearman', '.3f')} | "
            f"{r['seconds']:.1f} | {r['rules']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="city")
    ap.add_argument("--generators", default="all")
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="write the table here too (e.g. bench/results/loop.md)")
    ap.add_argument("--cache", default=str(DEFAULT_CACHE))
    args = ap.parse_args(argv)
    if args.years < 1:
        raise SystemExit("--years must be at least 1")
    matcher = _matcher_version()
    rows: list[dict] = []
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        for name in select_generators(args.generators):
            print(f"{name} {scale}...", file=sys.stderr, flush=True)
            rows += run_generator(name, scale, args.seed, args.years, Path(args.cache))
            if args.out:  # a run cut short keeps what it measured
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                Path(args.out).write_text(format_report(rows, args.seed, matcher), "utf-8")
    report = format_report(rows, args.seed, matcher)
    if args.out:
        write_report(report, args.out)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
