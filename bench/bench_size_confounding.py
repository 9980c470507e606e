"""Group sizes read across villages or within them: is a world's size cost confounded?

Where a history sends larger groups to harder villages (``dev_hard_villages``), a ridge on the
observable columns reads large groups as worse than they are, because the registered proxies of
hardship (need severity, population, poor households) leave part of it unread. This prints the
size coefficients (review points over a lone lead) of the effects' baseline columns
(:data:`matcher.effects.BASE_COLUMNS`) refitted on every reviewed project of a development world:
as the matcher reads them, with a random effect per village at several pseudo-counts (a small one
is nearly a within-village reading), and with the hidden hardship as a column (what no data folder
holds). Development generators only (bench/results/quality.md, *Why the hard villages' size cost
is steep*).

    python bench/bench_size_confounding.py --generator dev_hard_villages --seed 0 \
        --output /tmp/size.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import Ridge

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import DEVELOPMENT  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE, load_world  # noqa: E402
from matcher.effects import BASE_COLUMNS, baseline_features  # noqa: E402
from matcher.snapshot import build_snapshot  # noqa: E402

__all__ = ["size_coefficients", "main"]

SIZES = ("size2", "size3", "size4plus")


def size_coefficients(x: np.ndarray, y: np.ndarray, village: np.ndarray, k: float | None):
    """Ridge (alpha 1) size coefficients of rows ``x``; with ``k``, jointly with a village effect
    penalized by ``k`` (the pseudo-count ``σ² / τ²``; rows with ``village`` -1 get none)."""
    cols = [BASE_COLUMNS.index(c) for c in SIZES]
    if k is None:
        return Ridge(alpha=1.0).fit(x, y).coef_[cols]
    rows = np.flatnonzero(village >= 0)
    onehot = sparse.csr_matrix(
        (np.full(len(rows), 1.0 / np.sqrt(k)), (rows, village[rows])),
        shape=(len(y), int(village.max()) + 1),
    )
    design = sparse.hstack([sparse.csr_matrix(x), onehot]).tocsr()
    return Ridge(alpha=1.0, solver="lsqr", tol=1e-6).fit(design, y).coef_[cols]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", default="dev_hard_villages", choices=DEVELOPMENT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", default="city", choices=("tiny", "city"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--pseudo-counts", default="18,5,1")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    world = load_world(args.generator, args.scale, args.seed, args.cache)
    snap = build_snapshot(world.dataset)
    rows = np.flatnonzero(np.isfinite(snap.proj_score))
    size = np.diff(snap.proj_members[rows].indptr)
    year = pd.to_datetime(snap.proj_t[rows], unit="D").year.to_numpy(dtype=float)
    village = snap.proj_v[rows]
    x = baseline_features(
        snap, village, snap.proj_s[rows], snap.proj_lead[rows], size, year - year.max()
    )
    y = snap.proj_score[rows].astype(float)
    fits = [("as the matcher reads them (observable columns only)", None, x)]
    for k in (float(p) for p in args.pseudo_counts.split(",") if p.strip()):
        fits.append((f"with a random effect per village, pseudo-count {k:g}", k, x))
    # the hidden hardship as one more column, after the observable ones (what no folder holds)
    hidden = np.column_stack([x, world.actors.v_hardship[village]])
    fits.append(("with the hidden hardship as a column", None, hidden))
    lines = [
        f"{args.generator}, {args.scale}, seed {args.seed}: {len(rows):,} reviewed projects; size "
        "coefficients in review points over a lone lead",
        "",
        "| baseline fitted … | size 2 | size 3 | size 4+ |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, k, design in fits:
        cells = " | ".join(f"{c:+.2f}" for c in size_coefficients(design, y, village, k))
        lines.append(f"| {label} | {cells} |")
    report = "\n".join(lines) + "\n"
    if args.output:
        write_report(report, args.output)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
