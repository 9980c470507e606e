"""How good the recommended groups are on ground-truth worlds the matcher was not written with.

    python bench/bench_quality.py [--scales city,province] [--generators all|dev|heldout|NAME,...]
                                  [--seed 0] [--output bench/results/quality.md]
                                  [--cache /tmp/baotuan-quality] [--prepare-only]
                                  [--rows FILE] [--from-rows FILE,FILE...]

For each generator of :mod:`bench.quality` and scale: the naive greedy (0) and the truth-knowing
greedy (1) of issue 11, the shipped recommender ``matcher.recommend(dataset, max_group=4, seed=0)``
and its ``variant="quality_only"`` (n/a while ``recommend`` has no such keyword), each as the
normalized score ``(system − naive) / (truth − naive)`` in true value (``docs/quality-bench.md``).
Also the recommender's seconds, organizations over capacity and other rule breaks, and the outcome
model's time-split evaluation (``summary["model"]["time_split"]``). Held-out generators are marked:
report on them, never tune on them. ``--prepare-only`` makes and caches the worlds and the
reference greedies' groups without running the matcher (at province scale most of the time goes
there: run it first on a busy machine). The table is rewritten after every row (a run cut short
keeps what it measured); ``--rows FILE`` also pickles the rows, and ``--from-rows A,B`` writes one
table from the rows of several runs (e.g. two processes sharing the scales and generators).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import DEVELOPMENT, GENERATORS, HELD_OUT, is_held_out  # noqa: E402
from bench.quality.baselines import shrunk_mean_values  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE, cached, load_world  # noqa: E402
from bench.quality.evaluate import (  # noqa: E402
    groups_from_contract_json,
    judge_groups,
    normalized,
)
from bench.quality.greedy import reference_greedy  # noqa: E402

__all__ = ["main", "prepare", "run_one", "select_generators"]


def select_generators(text: str) -> list[str]:
    """``all``, ``dev``, ``heldout`` or a comma-separated list of names."""
    groups = {"all": GENERATORS, "dev": DEVELOPMENT, "heldout": HELD_OUT}
    if text in groups:
        return list(groups[text])
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in GENERATORS]
    if unknown:
        raise SystemExit(f"unknown generator(s) {unknown}: one of {', '.join(GENERATORS)}")
    return names


def _recommend(world, **kwargs) -> tuple[dict | None, float]:
    from matcher import recommend

    start = time.perf_counter()
    try:
        result = recommend(world.dataset, max_group=4, seed=0, **kwargs)
    except TypeError as exc:  # the keyword does not exist (yet)
        print(f"  recommend({kwargs}): {exc}", file=sys.stderr, flush=True)
        return None, 0.0
    return result.to_contract_json(), time.perf_counter() - start


def _judge_doc(world, doc: dict):
    ids = [r["village_id"] for r in doc["recommendations"]]
    groups = groups_from_contract_json(world, doc)
    return judge_groups(world, groups, duplicates=len(ids) - len(set(ids)))


def prepare(name: str, scale: str, seed: int, cache: Path):
    """The world and the reference greedies' groups, made once and cached."""
    world = load_world(name, scale, seed, cache)
    groups = {
        which: cached(
            cache, name, scale, seed, f"greedy-{which}", lambda w=which: _greedy(world, w)
        )
        for which in ("naive", "true", "shrunk")
    }
    return world, groups


def run_one(name: str, scale: str, seed: int, cache: Path) -> dict:
    """Every number of one row of the table."""
    world, groups = prepare(name, scale, seed, cache)
    row: dict = {"generator": name, "scale": scale, "held_out": is_held_out(name)}
    row["matcher"] = f"{_matcher_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    for which, chosen in groups.items():
        row[which] = judge_groups(world, chosen)
    doc, seconds = _recommend(world)
    assert doc is not None
    row["shipped"], row["seconds"] = _judge_doc(world, doc), seconds
    row["time_split"] = (doc["summary"].get("model") or {}).get("time_split") or {}
    row["group_trust"] = (doc["summary"].get("model") or {}).get("group_trust")
    # kept in --rows: whether a block ran out of LP work (matcher.colgen.LP_WORK_LIMIT) and the like
    row["formation"] = {
        k: v for k, v in (doc["summary"].get("formation") or {}).items() if not isinstance(v, dict)
    }
    del doc
    gc.collect()
    doc, seconds = _recommend(world, variant="quality_only", evaluate=False)  # split: shipped
    row["quality_only"] = _judge_doc(world, doc) if doc is not None else None
    row["quality_only_seconds"] = seconds
    row["villages"], row["orgs"] = world.n_villages, world.n_orgs
    row["reviews"] = len(world.dataset["reviews"])
    return row


def _greedy(world, which: str):
    if which == "shrunk":
        return reference_greedy(world, shrunk_mean_values(world))
    return reference_greedy(world, which)


def _norm(row: dict, key: str) -> str:
    judged = row.get(key)
    if judged is None:
        return "n/a"
    return f"{normalized(judged.value, row['naive'].value, row['true'].value):.2f}"


def _matcher_version() -> str:
    """The commit the matcher was run at, and whether matcher/ had uncommitted edits."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "matcher")
    return f"`{git('rev-parse', '--short', 'HEAD')}`" + (
        " with uncommitted edits in matcher/" if dirty else ""
    )


def _trust(row: dict) -> str:
    trust = row.get("group_trust")
    return "n/a" if trust is None else f"{trust:.2f}"


def format_report(rows: list[dict], seed: int) -> str:
    lines = [
        "# Benchmark: recommendation quality on ground-truth worlds (issue 11)",
        "",
        "Matcher at (per row, when it started): "
        + "; ".join(sorted({r.get("matcher", "not recorded") for r in rows}))
        + ".",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}; seed {seed}. Worlds from `bench/quality/` "
        "(see `docs/quality-bench.md`): *held out* generators are never tuned on.",
        "Normalized score = (system − naive) / (truth − naive), every term the total **true value**",
        "Σ severity × (true expected score − 30) over the needs a group covers: 0 is the naive greedy",
        "(level/5 × exp(−km/25)), 1 the same greedy knowing the hidden outcome model. *shipped* is",
        "`matcher.recommend(dataset, max_group=4, seed=0)`, *quality-only* its",
        '`variant="quality_only"` (n/a: not available). Seconds, organizations over capacity',
        "(*cap.*) and other rule breaks (*rules*: a village twice, a partnered village again, a",
        "group over 4) are the shipped recommender's. *shrunk-mean greedy*: the naive greedy with",
        "each organization's shrunk review mean (data only, `bench/quality/baselines.py`).",
        "",
        "| generator | held out | scale | villages | orgs | reviews | naive | shrunk-mean greedy | "
        "shipped | quality-only | truth | true value naive → truth | seconds | cap. | rules |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['generator']} | {'**held out**' if r['held_out'] else 'dev'} | {r['scale']} | "
            f"{r['villages']:,} | {r['orgs']:,} | {r['reviews']:,} | 0 | {_norm(r, 'shrunk')} | "
            f"{_norm(r, 'shipped')} | "
            f"{_norm(r, 'quality_only')} | 1 | {r['naive'].value:,.0f} → {r['true'].value:,.0f} | "
            f"{r['seconds']:.1f} | {r['shipped'].capacity_violations} | "
            f"{r['shipped'].rule_violations} |"
        )
    lines += [
        "",
        "## The outcome model on a time split, per generator",
        "",
        "`recommend(...).summary['model']['time_split']`: train on reviews before the test year,",
        "test on it and after; MAE in review points, Spearman between predicted and reviewed scores;",
        "*group trust*: how far the shipped recommender weighed its group terms",
        "(`summary['model']['group_trust']`, docs/matcher.md; n/a: a row measured before it existed).",
        "",
        "| generator | held out | scale | train | test | global mean MAE | rating only MAE | "
        "model MAE | rating only Spearman | model Spearman | group trust |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ev = r["time_split"]
        if "model" not in ev:
            lines.append(f"| {r['generator']} | | {r['scale']} | {ev or 'n/a'} | | | | | | | |")
            continue
        lines.append(
            f"| {r['generator']} | {'**held out**' if r['held_out'] else 'dev'} | {r['scale']} | "
            f"{ev['n_train']:,} | {ev['n_test']:,} | {ev['global mean']['mae']:.2f} | "
            f"{ev['rating only']['mae']:.2f} | {ev['model']['mae']:.2f} | "
            f"{ev['rating only']['spearman']:.3f} | {ev['model']['spearman']:.3f} | "
            f"{_trust(r)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="city,province")
    ap.add_argument("--generators", default="all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", default=str(ROOT / "bench" / "results" / "quality.md"))
    ap.add_argument("--cache", default=str(DEFAULT_CACHE))
    ap.add_argument("--prepare-only", action="store_true", help="worlds and greedies only")
    ap.add_argument("--rows", help="also pickle the measured rows to this file")
    ap.add_argument("--from-rows", help="comma-separated --rows files: one table, no measuring")
    args = ap.parse_args(argv)
    if args.from_rows:
        rows = []
        for path in args.from_rows.split(","):
            with open(path, "rb") as f:
                rows += pickle.load(f)
        scales = {"tiny": 0, "city": 1, "province": 2}
        rows.sort(key=lambda r: (scales.get(r["scale"], 3), r["held_out"]))  # stable: run order
        write_report(format_report(rows, args.seed), args.output)
        return 0
    names = select_generators(args.generators)
    rows = []
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        for name in names:
            print(f"{name} {scale}...", file=sys.stderr, flush=True)
            if args.prepare_only:
                prepare(name, scale, args.seed, Path(args.cache))
                gc.collect()
                continue
            row = run_one(name, scale, args.seed, Path(args.cache))
            print(
                f"  shipped {_norm(row, 'shipped')}, quality-only {_norm(row, 'quality_only')}, "
                f"{row['seconds']:.1f}s",
                file=sys.stderr,
                flush=True,
            )
            rows.append(row)
            gc.collect()
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_text(format_report(rows, args.seed), encoding="utf-8")
            if args.rows:
                with open(args.rows, "wb") as f:
                    pickle.dump(rows, f)
    if args.prepare_only:
        return 0
    write_report(format_report(rows, args.seed), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
