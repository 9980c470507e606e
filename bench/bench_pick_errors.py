"""Which parts of the recommended teams are overstated? The picks' predicted score against the
hidden one, split into the lead's part and the group's.

The group trust scales every group term by one factor read on the newest year's past-style groups,
and session 41 found the shipped factor near the best single one (docs/open-points.md); if the
optimiser's picks are overstated, it is not by a common factor. This takes the shipped
recommendation of a development world and, for every need it covers, compares:

- the **lead part**: the covering member's score alone as the matcher predicts it (the outcome
  model's lead part and a group of one, as the team loop values it) against its true score alone;
- the **group part**: what the matcher says the group adds to that (``predicted_score`` of the
  explanation minus the lead part) against what it truly adds (true score in the group minus
  alone).

Rows by group size and by whether any pair of the group shares a reviewed project (strangers
or partners with a record). A positive group part says the teams were promised more than their
members bring together — in those teams and worlds. Development generators only.

    python bench/bench_pick_errors.py --seeds 0,1 --output /tmp/picks.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_recommend import print_report  # noqa: E402
from bench.quality import DEVELOPMENT, QualityBenchError, development_names  # noqa: E402
from bench.quality.cache import DEFAULT_CACHE, load_world  # noqa: E402
from bench.quality.contract import org_ids  # noqa: E402
from bench.quality.loop import carried_out, predicted_scores, reviewed_pairs  # noqa: E402
from matcher import recommend  # noqa: E402
from matcher.scoring import fit_scorer  # noqa: E402
from matcher.snapshot import build_snapshot  # noqa: E402

__all__ = ["PART_COLUMNS", "pick_parts", "summarise", "main"]

#: what :func:`pick_parts` returns for every covered need
PART_COLUMNS = ("size", "known_pairs", "predicted", "predicted_alone", "true", "true_alone")


def _known_pairs(world, group: np.ndarray) -> np.ndarray:
    """How many pairs of each padded group share a reviewed project."""
    ids = org_ids(world.n_orgs)
    known = reviewed_pairs(world.dataset)
    out = np.zeros(len(group), np.int64)
    for i, g in enumerate(group):
        m = sorted(ids[g[g >= 0]])
        out[i] = sum((a, b) in known for j, a in enumerate(m) for b in m[j + 1 :])
    return out


def pick_parts(world, doc: dict, scorer) -> dict[str, np.ndarray]:
    """The columns of :data:`PART_COLUMNS` for every need ``doc`` covers (scores in points).

    ``scorer`` is the fitted :class:`matcher.scoring.Scorer` of ``world`` (the lead part is read
    with it); needs whose explanation gives no predicted score are left out.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> sc = fit_scorer(build_snapshot(w.dataset), seed=0, evaluate=False)
    >>> doc = recommend(w.dataset, max_group=4, seed=0).to_contract_json()
    >>> p = pick_parts(w, doc, sc)
    >>> len(p["size"]) > 0, bool(np.all((p["size"] >= 1) & (p["size"] <= 4)))
    (True, True)
    """
    v, s, lead, group = carried_out(world, doc)
    predicted = predicted_scores(doc)
    ok = np.isfinite(predicted)
    v, s, lead, group, predicted = v[ok], s[ok], lead[ok], group[ok], predicted[ok]
    terms = scorer.team_terms()
    # the world's villages and organizations are the snapshot's, in the same (id) order
    alone_predicted = terms.score(scorer.unary(v, s, lead) + terms.size_term(1))
    alone = np.column_stack([lead, np.full((len(lead), max(group.shape[1] - 1, 0)), -1)])
    return {
        "size": (group >= 0).sum(axis=1),
        "known_pairs": _known_pairs(world, group),
        "predicted": predicted,
        "predicted_alone": np.asarray(alone_predicted, float),
        "true": world.expected(v, s, lead, group),
        "true_alone": world.expected(v, s, lead, alone),
    }


def summarise(parts: dict[str, np.ndarray]) -> list[tuple]:
    """``(label, needs, predicted − true, lead part, group part, predicted lift, true lift)``
    for all needs, each group size and strangers against partners with a record.

    Examples
    --------
    >>> p = {"size": np.array([1, 2, 2]), "known_pairs": np.array([0, 0, 1]),
    ...      "predicted": np.array([60.0, 70.0, 72.0]),
    ...      "predicted_alone": np.array([60.0, 60.0, 60.0]),
    ...      "true": np.array([58.0, 62.0, 70.0]), "true_alone": np.array([58.0, 60.0, 60.0])}
    >>> [r[0] for r in summarise(p)]
    ['all', 'size 1', 'size 2', 'strangers', 'with a record']
    >>> summarise(p)[3][1:]
    (1, 8.0, 0.0, 8.0, 10.0, 2.0)
    """
    size, known = parts["size"], parts["known_pairs"]
    lead = parts["predicted_alone"] - parts["true_alone"]
    lift_p = parts["predicted"] - parts["predicted_alone"]
    lift_t = parts["true"] - parts["true_alone"]
    masks = [("all", np.ones(len(size), bool))]
    masks += [(f"size {k}", size == k) for k in (1, 2, 3, 4) if (size == k).any()]
    masks += [("strangers", (size > 1) & (known == 0)), ("with a record", known > 0)]
    rows = []
    for label, m in masks:
        if not m.any():
            continue
        err = parts["predicted"][m] - parts["true"][m]
        rows.append(
            (
                label,
                int(m.sum()),
                float(err.mean()),
                float(lead[m].mean()),
                float((lift_p[m] - lift_t[m]).mean()),
                float(lift_p[m].mean()),
                float(lift_t[m].mean()),
            )
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default=",".join(DEVELOPMENT))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--scale", default="city", choices=("tiny", "city"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    try:
        names = development_names(args.generators)
    except QualityBenchError as exc:
        parser.error(str(exc))
    seeds = [int(s) for s in args.seeds.split(",")]
    lines = [
        f"{args.scale}, seeds {args.seeds}: the shipped recommendation's covered needs, predicted "
        "− true score (points), split into the lead's part and the group's",
        "",
        "| generator | needs of | needs | predicted − true | lead part | group part "
        "| predicted lift | true lift |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        pooled: dict[str, list] = {c: [] for c in PART_COLUMNS}
        for seed in seeds:
            world = load_world(name, args.scale, seed, args.cache)
            result = recommend(world.dataset, max_group=4, seed=0)
            # the lead part read by the model the recommendation used
            variant = (result.summary.get("model") or {}).get("variant", "full")
            scorer = fit_scorer(build_snapshot(world.dataset), seed=0, variant=variant)
            for c, col in pick_parts(world, result.to_contract_json(), scorer).items():
                pooled[c].append(col)
        parts = {c: np.concatenate(cols) for c, cols in pooled.items()}
        for label, n, *vals in summarise(parts):
            cells = " | ".join(f"{x:+.2f}" for x in vals)
            lines.append(f"| {name} | {label} | {n:,} | {cells} |")
    print_report("\n".join(lines) + "\n", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
