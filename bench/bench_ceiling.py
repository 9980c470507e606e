"""What limits the recommender on the development generators: its team values or its candidates.

    python bench/bench_ceiling.py [--generators dev|NAME,...] [--lists 16/6,24/8] [--seed 0]
                                  [--output bench/results/ceiling.md] [--cache /tmp/baotuan-quality]

For each development generator (city scale) and candidate-list size: the problem ``recommend``
optimises (:func:`matcher.recommend.build_problem`), formed once with the model's team values and
once with the generator's *true* values of the very same teams (``bench.quality.greedy.true_values``),
both as the normalized score of issue 11 (0 naive greedy, 1 truth-knowing greedy). The second is
the lists' *ceiling*: what a perfect model could reach with these candidates. Between the two,
formations valued in worlds that keep less and less of the truth (``bench.quality.knowable``):
what the review history saw, noise-free; the qualities estimated from it; the pair effects too;
the communities found in the co-participation graph instead of the hidden ones. Also the mean over
villages of the Spearman correlation between the model's and the true values of a village's teams
(every third village). Held-out generators are refused: their per-team truth must not guide the
development (docs/quality-bench.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_quality import prepare  # noqa: E402
from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import DEVELOPMENT, is_held_out  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE  # noqa: E402
from bench.quality.evaluate import judge_groups, normalized  # noqa: E402
from bench.quality.greedy import true_values  # noqa: E402
from bench.quality.knowable import estimable_world, knowable_world, seen_organizations  # noqa: E402

__all__ = ["main", "ceiling_row", "parse_lists"]


def parse_lists(text: str) -> list[tuple[int, int]]:
    """``"16/6,24/8"`` → ``[(16, 6), (24, 8)]`` (candidates a village / a need).

    Examples
    --------
    >>> parse_lists("16/6, 24/8")
    [(16, 6), (24, 8)]
    """
    out = []
    for part in text.split(","):
        if part.strip():
            m, k = part.strip().split("/")
            out.append((int(m), int(k)))
    return out


def _true_pattern_values(world, prob) -> np.ndarray:
    """The true value (×100, the model's units) of every allowed team of every village."""
    cand, slots, values = prob.cand, prob.pats.members, prob.values
    out = np.full(values.shape, -np.inf, np.float32)
    for r in range(len(cand)):
        orgs = np.where(slots >= 0, cand.orgs[r][np.maximum(slots, 0)], -1)
        ok = np.isfinite(values[r]) & ~((slots >= 0) & (orgs < 0)).any(axis=1)
        village = np.full(int(ok.sum()), cand.villages[r])
        out[r, ok] = true_values(world, village, orgs[ok]) * 100.0
    return out


def formed_score(world, prob, values, naive: float, truth: float, seed: int) -> float:
    from matcher.recommend import _formation

    cand, pats = prob.cand, prob.pats
    coords = np.column_stack([prob.snap.v_lat[cand.villages], prob.snap.v_lon[cand.villages]])
    chosen, _ = _formation(
        "colgen", values, cand, pats, prob.capacity_left, prob.order, seed, coords
    )
    groups = {}
    for r in np.flatnonzero(chosen >= 0):
        team = pats.members[chosen[r]]
        groups[int(cand.villages[r])] = cand.orgs[r][team[team >= 0]]
    return normalized(judge_groups(world, groups).value, naive, truth)


def ceiling_row(name: str, lists: tuple[int, int], seed: int, cache: Path) -> dict:
    """Model-valued and true-valued formation over the same candidates, and the rank agreement."""
    from matcher.recommend import build_problem

    if is_held_out(name):
        raise SystemExit(f"{name} is held out: its per-team truth is not for development")
    world, groups = prepare(name, "city", seed, cache)
    naive = judge_groups(world, groups["naive"]).value
    truth = judge_groups(world, groups["true"]).value
    start = time.perf_counter()
    prob = build_problem(world.dataset, 4, seed, False, max_candidates=lists[0], top_k=lists[1])
    true_vals = _true_pattern_values(world, prob)
    knowable_vals = _true_pattern_values(knowable_world(world), prob)
    estimable_vals = _true_pattern_values(estimable_world(world), prob)
    with_pairs_vals = _true_pattern_values(estimable_world(world, pairs=True), prob)
    learnt = estimable_world(world, pairs=True, communities=True)
    learnt_vals = _true_pattern_values(learnt, prob)
    rhos = []
    for r in range(0, len(prob.cand), 3):
        ok = np.isfinite(prob.values[r]) & np.isfinite(true_vals[r])
        if ok.sum() > 10:
            rhos.append(spearmanr(prob.values[r, ok], true_vals[r, ok]).statistic)
    return {
        "generator": name,
        "lists": f"{lists[0]} / {lists[1]}",
        "teams": prob.pats.members.shape[0],
        "model": formed_score(world, prob, prob.values, naive, truth, seed),
        "ceiling": formed_score(world, prob, true_vals, naive, truth, seed),
        "knowable": formed_score(world, prob, knowable_vals, naive, truth, seed),
        "estimable": formed_score(world, prob, estimable_vals, naive, truth, seed),
        "with_pairs": formed_score(world, prob, with_pairs_vals, naive, truth, seed),
        "learnt": formed_score(world, prob, learnt_vals, naive, truth, seed),
        "seen": float(seen_organizations(world).mean()),
        "rank": float(np.nanmean(rhos)) if rhos else float("nan"),
        "seconds": time.perf_counter() - start,
    }


def format_report(rows: list[dict], seed: int) -> str:
    lines = [
        "# Benchmark: the recommender's team values against the true ones (development generators)",
        "",
        f"City scale, seed {seed}. *model*: the formation with the model's team values; *ceiling*:",
        "the same formation over the same candidates with the generator's true team values; both",
        "normalized (0 naive greedy, 1 truth-knowing greedy). *team rank*: mean over villages of",
        "the Spearman correlation of the model's and the true values of the village's teams.",
        "*knowable*: the same formation with true values of the *knowable* world",
        "(`bench/quality/knowable.py`: the truth where the review history saw it, noise-free; an",
        "unseen organization's quality from its attributes by an oracle regression; an unseen",
        "pair's effect 0), judged in the real world: a generous bound on any model of the history.",
        "*estimable*: as *knowable*, but each quality estimated from the reviews by a model that",
        "knows the generator's outcome model and every other hidden part (posterior mode,",
        "`knowable.estimable_world`): still generous, but no longer noise-free. *+ pairs*: the",
        "effects of the pairs that shared a reviewed project estimated with the qualities.",
        "*+ communities*: and the communities found by Louvain in the co-participation graph",
        "instead of the hidden ones: all that is left known is the generator's *form*.",
        "*seen*: share of organizations in at least one reviewed project.",
        "",
        "| generator | lists | teams a village | model | + communities | + pairs | estimable |"
        " knowable | ceiling | team rank | seen | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['generator']} | {r['lists']} | {r['teams']:,} | {r['model']:.2f} | "
            f"{r['learnt']:.2f} | {r['with_pairs']:.2f} | {r['estimable']:.2f} | "
            f"{r['knowable']:.2f} | {r['ceiling']:.2f} | {r['rank']:.3f} | {r['seen']:.2f} | "
            f"{r['seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", default="dev", help="dev or comma-separated dev names")
    ap.add_argument("--lists", default="16/6,24/8", help="candidates a village / a need")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", default=str(ROOT / "bench" / "results" / "ceiling.md"))
    ap.add_argument("--cache", default=str(DEFAULT_CACHE))
    args = ap.parse_args(argv)
    names = list(DEVELOPMENT) if args.generators == "dev" else args.generators.split(",")
    rows = [
        ceiling_row(n.strip(), lists, args.seed, Path(args.cache))
        for n in names
        for lists in parse_lists(args.lists)
    ]
    write_report(format_report(rows, args.seed), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
