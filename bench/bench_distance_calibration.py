"""Is distance read as steeply as it costs? A lone lead's predicted score against its true one, by
distance.

The shipped matcher's leads are farther from their villages than the truth-knowing greedy's on the
development worlds measured in session 38 (docs/open-points.md). This draws random (village,
organization, one of its services) triples within ``--max-km`` of a development world, predicts
the lone lead's score as the team loop values it (the outcome model's lead part and a group of one)
and prints the mean of predicted minus true expected score per distance band. A band rising with
distance says distance is read too mildly; a flat one, that it is read as it costs. Random triples,
not the matcher's picks: a pick is made because its prediction is high, so its error rises with
distance even where distance is read right. Development generators only.

    python bench/bench_distance_calibration.py --generators dev_kind_roles,dev_hub_brokers \
        --seed 0 --output /tmp/distance.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_recommend import write_report  # noqa: E402
from bench.quality import QualityBenchError, development_names  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE, load_world  # noqa: E402
from bench.quality.effects import km  # noqa: E402
from matcher.scoring import fit_scorer  # noqa: E402
from matcher.snapshot import build_snapshot  # noqa: E402

__all__ = ["BANDS_KM", "lone_lead_errors", "main"]

#: the distance bands of the table (km)
BANDS_KM = (0, 5, 10, 15, 20, 30, 40, 60)


def lone_lead_errors(world, triples: int, max_km: float, seed: int):
    """Distances and predicted − true scores (points) of random lone leads of ``world``.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> d, err = lone_lead_errors(w, 500, 60.0, 0)
    >>> len(d) == len(err) > 0, bool(np.all(d < 60.0))
    (True, True)
    """
    a = world.actors
    snap = build_snapshot(world.dataset)
    scorer = fit_scorer(snap, seed=0, evaluate=False)
    rng = np.random.default_rng(seed)
    v = rng.integers(0, len(a.v_lat), triples)
    o = rng.integers(0, len(a.o_lat), triples)
    offers = a.o_level[o] > 0
    s = np.where(offers, rng.random(offers.shape), -1.0).argmax(axis=1)
    d = km(a.v_lat[v], a.v_lon[v], a.o_lat[o], a.o_lon[o])
    keep = (d < max_km) & offers.any(axis=1)
    v, o, s, d = v[keep], o[keep], s[keep], d[keep]
    # the world's villages and organizations are the snapshot's, in the same (id) order
    terms = scorer.team_terms()
    predicted = terms.score(scorer.unary(v, s, o) + terms.size_term(1))
    alone = np.column_stack([o, np.full((len(o), 3), -1)])
    return d, predicted - world.expected(v, s, o, alone)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default="dev_kind_roles,dev_hub_brokers,dev_local_teams")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", default="city", choices=("tiny", "city"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--max-km", type=float, default=BANDS_KM[-1])
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    try:
        names = development_names(args.generators)
    except QualityBenchError as exc:
        parser.error(str(exc))
    bands = [b for b in BANDS_KM if b < args.max_km] + [args.max_km]
    head = " | ".join(f"{lo:g}–{hi:g} km" for lo, hi in zip(bands, bands[1:], strict=False))
    lines = [
        f"{args.scale}, seed {args.seed}: lone lead, predicted − true expected score (points), "
        "random (village, organization, service) triples",
        "",
        f"| generator | triples | {head} | farthest − nearest |",
        "| --- | ---: |" + " ---: |" * len(bands),
    ]
    for name in names:
        world = load_world(name, args.scale, args.seed, args.cache)
        d, err = lone_lead_errors(world, args.triples, args.max_km, args.seed)
        band = np.digitize(d, bands[1:-1])
        means = [
            err[band == b].mean() if (band == b).any() else np.nan for b in range(len(bands) - 1)
        ]
        cells = " | ".join(f"{m:+.1f}" for m in means)
        lines.append(f"| {name} | {len(d):,} | {cells} | {means[-1] - means[0]:+.1f} |")
    report = "\n".join(lines) + "\n"
    if args.output:
        write_report(report, args.output)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
