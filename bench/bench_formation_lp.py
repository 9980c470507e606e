"""Where the formation's time goes: every master LP solve of the column generation, one table.

    python bench/bench_formation_lp.py --world heldout_party_federation [--scale province]
        [--seed 0] [--block 12000] [--first-solver auto|simplex|ipm] [--column-bound one|none]
        [--solve-limit 25000] [--work-limit 60000] [--problem-cache /tmp/baotuan-formation] [--output FILE]

``--world`` is a quality-bench generator (``bench/quality``) or ``demo`` (``bench_recommend.py``'s
demo world of that scale, cached there). The problem (snapshot, model, candidates, team values:
``matcher.recommend.build_problem`` with the matcher as it is checked out) is built once and cached
by world, scale, seed and the matcher's source hash; the formation (``colgen.column_generation``)
then runs in this process with each solve timed — the first LP of each block, every re-solve and
every dive (``_Master.run_within``): seconds, simplex iterations, columns in the master, LP value,
and whether it ran out of work (``colgen.LP_SOLVE_LIMIT`` for one solve, ``--solve-limit``;
``colgen.LP_WORK_LIMIT`` for a block's solves after its first LP, ``--work-limit``). ``--first-solver``:
``auto`` is what ``recommend`` does (interior point with crossover for blocks of at least
``colgen.INTERIOR_FIRST_VILLAGES`` villages), ``simplex`` / ``ipm`` force one; ``--column-bound
none`` gives the master's columns no upper bound (the village row already keeps each at most 1) —
an experiment, not what ``recommend`` does. ``--output`` appends the table to a file.

Why: twice (sessions 6 and 22) a party-branch term made the province's master LP take minutes;
which solve, how many iterations and how fast each went is what a remedy is measured on
(docs/matcher.md, *A first LP by interior point, and a limit of LP work*). Timings are of one
process on a shared machine: compare iteration counts, and seconds only within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import highspy  # noqa: E402

from matcher import colgen, rounding  # noqa: E402

__all__ = ["main", "build", "timed_formation"]


def _matcher_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "matcher").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def build(world: str, scale: str, seed: int, cache: Path) -> tuple:
    """Team values, candidate organizations, patterns, capacity, order and coordinates (cached)."""
    path = cache / f"{world}-{scale}-s{seed}-{_matcher_hash()}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    from matcher.recommend import build_problem

    if world == "demo":
        from bench.bench_recommend import make_world
        from graph_schema.contract.dataset import Dataset

        with open(make_world(scale, seed, None, Path("/tmp/baotuan-bench")), "rb") as f:
            dataset = Dataset(pickle.load(f))
    else:
        from bench.quality.cache import load_world

        dataset = load_world(world, scale, seed).dataset
    prob = build_problem(dataset, seed=seed)
    snap, cand = prob.snap, prob.cand
    coords = np.column_stack([snap.v_lat[cand.villages], snap.v_lon[cand.villages]])
    out = (prob.values, cand.orgs, prob.pats, prob.capacity_left, prob.order, coords)
    cache.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(out, f, protocol=5)
    return out


def timed_formation(
    problem: tuple,
    seed: int,
    block: int,
    first_solver: str,
    column_bound: str,
    limits: tuple[int, int],
):
    """Run the column generation with every master LP solve timed; (solves, info, objective)."""
    values, orgs, pats, capacity, order, coords = problem
    solves: list[dict] = []
    saved = (colgen._Master.solve_lp, colgen._Master.run_within, colgen._Master.add)
    saved_dive, saved_limits = rounding._dive, (colgen.LP_SOLVE_LIMIT, colgen.LP_WORK_LIMIT)
    solve_lp, run_within, add = saved
    in_dive = [False]

    def record(master, kind: str, start: float, done: bool) -> None:
        info = master.h.getInfo()
        solves.append(
            dict(
                kind=kind if done else kind + " (out of work, taken back)",
                villages=master.n,
                columns=len(master.cols_r),
                seconds=time.perf_counter() - start,
                iterations=info.simplex_iteration_count,
                value=info.objective_function_value,
            )
        )

    def timed_solve(master, interior: bool = False):
        interior = {"auto": interior, "ipm": True, "simplex": False}[first_solver]
        start = time.perf_counter()
        out = solve_lp(master, interior)
        record(master, "first LP, interior point" if interior else "first LP", start, True)
        return out

    def timed_run(master):
        start = time.perf_counter()
        done = run_within(master)
        record(master, "dive" if in_dive[0] else "re-solve", start, done)
        return done

    def timed_dive(master, x, split, fixed):
        in_dive[0] = True
        try:
            return saved_dive(master, x, split, fixed)
        finally:
            in_dive[0] = False

    def unbounded_add(master, rows, pats_):
        real = master.h

        class _NoUpper:  # passes every call on, but adds columns without an upper bound
            def __getattr__(self, name):
                return getattr(real, name)

            def addCols(self, k, cost, lower, upper, *rest):  # noqa: N802 (HiGHS's name)
                return real.addCols(k, cost, lower, np.full(k, highspy.kHighsInf), *rest)

        master.h = _NoUpper()
        try:
            return add(master, rows, pats_)
        finally:
            master.h = real

    colgen._Master.solve_lp, colgen._Master.run_within = timed_solve, timed_run
    rounding._dive = timed_dive
    colgen.LP_SOLVE_LIMIT, colgen.LP_WORK_LIMIT = limits
    if column_bound == "none":
        colgen._Master.add = unbounded_add
    try:
        chosen, info = colgen.column_generation(
            values, orgs, pats, capacity, order, seed=seed, coords=coords, block=block
        )
    finally:
        colgen._Master.solve_lp, colgen._Master.run_within, colgen._Master.add = saved
        rounding._dive = saved_dive
        colgen.LP_SOLVE_LIMIT, colgen.LP_WORK_LIMIT = saved_limits
    on = chosen >= 0
    return solves, info, float(values[on, chosen[on]].astype(np.float64).sum())


def report(args, solves: list[dict], info: dict, objective: float) -> str:
    lines = [
        f"## {args.world}, {args.scale}, seed {args.seed}: block {args.block}, "
        f"first LP by {args.first_solver}, column upper bound {args.column_bound}, "
        f"work limits {args.solve_limit:,} a solve, {args.work_limit:,} a block",
        "",
        "| solve | kind | villages | columns | seconds | simplex iterations | iterations / s | LP value |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, s in enumerate(solves, 1):
        rate = s["iterations"] / s["seconds"] if s["seconds"] > 0 else 0.0
        lines.append(
            f"| {i} | {s['kind']} | {s['villages']:,} | {s['columns']:,} | {s['seconds']:.1f} | "
            f"{s['iterations']:,} | {rate:,.0f} | {s['value']:,.1f} |"
        )
    lp_seconds = sum(s["seconds"] for s in solves if not s["kind"].startswith("dive"))
    dive_seconds = sum(s["seconds"] for s in solves if s["kind"].startswith("dive"))
    work = sum(s["iterations"] for s in solves if not s["kind"].startswith("first"))
    lines += [
        "",
        f"Formation {info['seconds']:.1f} s, of it master LP solves {lp_seconds:.1f} s "
        f"and dives {dive_seconds:.1f} s ({work:,} simplex iterations after the first LPs, "
        f"{info.get('out_of_work', 0)} blocks out of work); objective {objective:,.1f}, upper bound "
        f"{info['upper_bound']:,.1f} ({1 - objective / info['upper_bound']:.3%} below); "
        f"{info['blocks']} blocks, {info['fractional']:,} villages split by the LP, "
        f"{info['dived']:,} fixed by dives.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world", required=True)
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block", type=int, default=12000)
    parser.add_argument("--first-solver", choices=["auto", "simplex", "ipm"], default="auto")
    parser.add_argument("--solve-limit", type=int, default=colgen.LP_SOLVE_LIMIT)
    parser.add_argument("--work-limit", type=int, default=colgen.LP_WORK_LIMIT)
    parser.add_argument("--column-bound", choices=["one", "none"], default="one")
    parser.add_argument("--problem-cache", type=Path, default=Path("/tmp/baotuan-formation"))
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    problem = build(args.world, args.scale, args.seed, args.problem_cache)
    solves, info, objective = timed_formation(
        problem,
        args.seed,
        args.block,
        args.first_solver,
        args.column_bound,
        (args.solve_limit, args.work_limit),
    )
    text = report(args, solves, info, objective)
    print(text)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
