"""``baotuan recommend [DATA] --output FILE``: the batch matcher of DATA_FORMAT.md.

With DATA (a data folder or workbook) it reads that; without, it reads the store that
``--instance`` / ``--store`` name (the one ``baotuan import`` and ``baotuan demo`` wrote).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from graph_schema.contract.interchange import read_data
from graph_schema.rules import MAX_GROUP

__all__ = ["register"]


def _progress(start: float):
    def report(stage: str, done: int, total: int) -> None:
        print(
            f"[{time.perf_counter() - start:7.1f}s] {done}/{total} {stage}",
            file=sys.stderr,
            flush=True,
        )

    return report


def _reasons(reasons: Counter) -> str:
    return " (" + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) + ")" if reasons else ""


def _recommend(args) -> int:
    from matcher import MatcherError, recommend

    from . import CliError

    start = time.perf_counter()
    if args.data:
        print(f"reading {args.data}", file=sys.stderr, flush=True)
        # a broken folder raises ValidationError: exit 1 with the problems
        dataset = read_data(args.data)
    else:
        from . import settings_from_args

        with settings_from_args(args).open_store() as store:
            print(f"reading {store.location}", file=sys.stderr, flush=True)
            dataset = store.load_dataset()
    try:
        result = recommend(
            dataset,
            max_group=args.max_group,
            seed=args.seed,
            progress=_progress(start),
            method=args.method,
        )
    except MatcherError as exc:
        raise CliError(str(exc)) from None
    doc = result.to_dict()
    doc["summary"]["seconds"] = round(time.perf_counter() - start, 2)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(
        json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    tmp.replace(out)
    s = doc["summary"]
    reasons = Counter(u["reason"] for u in doc["unserved"])
    print(
        f"served {s['served']} of {s['eligible']} villages without support "
        f"({s['villages']} in all), {s['capacity_violations']} capacity violations, "
        f"{s['unserved']} unserved{_reasons(reasons)}, "
        f"outcome history {'used' if s['outcome_history_used'] else 'NOT used'}; "
        f"wrote {out} in {s['seconds']:.1f}s",
        file=sys.stderr,
    )
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "recommend",
        help="recommend a group of organizations for every village without support (JSON)",
    )
    p.add_argument(
        "data",
        nargs="?",
        help="a data folder of CSV files or one .xlsx workbook (default: what the store holds)",
    )
    p.add_argument("--output", "-o", required=True, help="the JSON file to write")
    p.add_argument(
        "--max-group",
        type=int,
        default=MAX_GROUP,
        help=f"organizations per village at most (default {MAX_GROUP})",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="same data and seed give the same result (default 0)"
    )
    p.add_argument(
        "--method",
        choices=("colgen", "greedy"),
        default="colgen",
        help="group formation: team columns with HiGHS (default) or the per-village greedy baseline",
    )
    p.set_defaults(func=_recommend)
