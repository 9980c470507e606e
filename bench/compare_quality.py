"""Whether a matcher change moved the quality bench: two sets of measured rows, row by row.

    python bench/compare_quality.py --before A_s0.pkl,A_s1.pkl --after B_s0.pkl,B_s1.pkl
                                    [--what shipped] [--output compare.md]

``--before`` and ``--after`` are ``bench/bench_quality.py --rows`` files, paired by position (the
first of each list measured on one seed, the second on another...); ``dev.pkl+held.pkl`` is one
run measured in two parts. Every generator and scale
measured in both is one pair; the table gives the normalized score before and after and the
difference, then per group of rows (development, held out) the mean difference, its standard
error over the pairs (the spread of the differences / √n) and how many rows went up and down.

Why: session after session a change raised the development rows by about 0.01 and left the
held-out rows within a seed's spread (docs/open-points.md); a mean difference smaller than two of
its standard errors is not a finding. Keep a change only when the development rows say so; then
read the held-out rows once (docs/quality-bench.md).
"""

from __future__ import annotations

import argparse
import math
import pickle
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.quality.evaluate import normalized  # noqa: E402

__all__ = ["compare", "main", "paired"]


def _score(row: dict, what: str) -> float:
    judged = row.get(what)
    if judged is None:
        return math.nan
    return normalized(judged.value, row["naive"].value, row["true"].value)


def paired(before: list[list[dict]], after: list[list[dict]], what: str = "shipped") -> list[dict]:
    """One entry per generator, scale and run measured before and after (runs paired by position).

    Examples
    --------
    >>> from bench.quality.evaluate import Judged
    >>> def row(value): return {"generator": "dev_x", "scale": "city", "held_out": False,
    ...     "naive": Judged(0.0, 1, 0, 0), "true": Judged(10.0, 1, 0, 0),
    ...     "shipped": Judged(value, 1, 0, 0)}
    >>> [(p["before"], p["after"]) for p in paired([[row(5.0)]], [[row(6.0)]])]
    [(0.5, 0.6)]
    """
    if len(before) != len(after):
        raise SystemExit(f"--before has {len(before)} files and --after {len(after)}: pair them")
    out = []
    for run, (old, new) in enumerate(zip(before, after, strict=True)):
        new_rows = {(r["generator"], r["scale"]): r for r in new}
        for r in old:
            match = new_rows.get((r["generator"], r["scale"]))
            if match is None:
                continue
            out.append(
                {
                    "generator": r["generator"],
                    "scale": r["scale"],
                    "held_out": bool(r["held_out"]),
                    "run": run,
                    "before": _score(r, what),
                    "after": _score(match, what),
                }
            )
    return out


def _measured(pairs: list[dict]) -> list[dict]:
    """The pairs measured on both sides (a variant missing from a rows file gives NaN)."""
    return [p for p in pairs if not math.isnan(p["after"] - p["before"])]


def _summary(measured: list[dict]) -> tuple[float, float, int, int]:
    """Mean difference, its standard error, rows up and rows down of :func:`_measured` pairs."""
    diffs = [p["after"] - p["before"] for p in measured]
    if not diffs:
        return math.nan, math.nan, 0, 0
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
    return statistics.fmean(diffs), se, sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)


def compare(before: list[list[dict]], after: list[list[dict]], what: str = "shipped") -> str:
    """A Markdown table of :func:`paired`'s entries and their means, development and held out."""
    pairs = paired(before, after, what)
    lines = [
        f"Normalized score of *{what}* (0 = naive greedy, 1 = truth-knowing greedy), before and "
        "after, per generator, scale and run (runs paired by position).",
        "",
        "| generator | held out | scale | run | before | after | difference |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for p in pairs:
        mark = "**held out**" if p["held_out"] else "dev"
        lines.append(
            f"| {p['generator']} | {mark} | {p['scale']} | {p['run']} | {p['before']:.3f} | "
            f"{p['after']:.3f} | {p['after'] - p['before']:+.3f} |"
        )
    lines += [
        "",
        "| rows | n | mean before | mean after | mean difference | standard error | up / down |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, held in (("development", False), ("held out", True)):
        group = _measured([p for p in pairs if p["held_out"] == held])
        if not group:
            continue
        mean, se, up, down = _summary(group)
        lines.append(
            f"| {label} | {len(group)} | {statistics.fmean(p['before'] for p in group):.3f} | "
            f"{statistics.fmean(p['after'] for p in group):.3f} | {mean:+.4f} | {se:.4f} | "
            f"{up} / {down} |"
        )
    return "\n".join(lines) + "\n"


def _load(paths: str) -> list[list[dict]]:
    """Runs from ``A,B``; ``A1+A2`` is one run measured in two parts (say dev and held out)."""
    runs = []
    for run in [p.strip() for p in paths.split(",") if p.strip()]:
        rows: list[dict] = []
        for path in run.split("+"):
            try:
                with open(path, "rb") as f:
                    rows += pickle.load(f)
            except FileNotFoundError:
                raise SystemExit(f"{path}: no rows file (bench/bench_quality.py --rows)") from None
        runs.append(rows)
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="comma-separated --rows files (+ joins)")
    ap.add_argument("--after", required=True, help="comma-separated --rows files, same order")
    ap.add_argument("--what", default="shipped", help="shipped (default) or quality_only")
    ap.add_argument("--output", help="also write the table to this file")
    args = ap.parse_args(argv)
    report = compare(_load(args.before), _load(args.after), args.what)
    print(report)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
