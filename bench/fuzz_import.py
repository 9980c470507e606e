"""Malformed data folders against the importer: a clear refusal or a clean import, nothing else.

    python bench/fuzz_import.py [--examples 1000] [--seed 0] [--cli 20]
                                [--output bench/results/fuzz-import.md]

Hypothesis starts from a small valid data folder (all ten files, references to ids already
stored) and mutates it: wrong types, out-of-range numbers, unknown codes, missing columns,
duplicate ids, dangling references, broken quoting, BOMs, empty files, binary junk, other
encodings, huge fields, extra and duplicated columns, ragged rows, missing files or sheets,
typed and formula cells in workbooks. Each example is written as CSV files or one ``.xlsx``
workbook and imported into a SQLite store that already holds a few records. The outcome must be
either a clean import or a :class:`~graph_schema.errors.ValidationError` whose every problem reads
``file:line: column: message`` or ``file: message`` with the store unchanged; any other exception
is a crash. ``--cli N`` also runs N examples through ``baotuan import`` in a subprocess (exit code
1 on refusal, never a traceback). The table is printed and written to ``--output``.

``tests/test_bad_input.py`` runs the same strategies with fewer examples.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from tests.support.fuzz_import import fuzz, run_cli, run_example  # noqa: E402

__all__ = ["main"]


def _table(title: str, totals: Counter, by_kind: Counter, seconds: float) -> list[str]:
    n = sum(totals.values())
    lines = [
        f"### {title}",
        "",
        "| examples | refusals | clean imports | crashes | seconds |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {n} | {totals['refused']} | {totals['imported']} | {totals['crash']} | {seconds:.0f} |",
    ]
    if by_kind:
        lines += [
            "",
            "| mutation | examples | refusals | clean imports | crashes |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind in sorted({k for k, _ in by_kind}):
            counts = [by_kind[(kind, o)] for o in ("refused", "imported", "crash")]
            lines.append(f"| {kind} | {sum(counts)} | {counts[0]} | {counts[1]} | {counts[2]} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument(
        "--cli", type=int, default=20, help="examples also run through baotuan import"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "fuzz-import.md"))
    args = parser.parse_args(argv)
    out: list[str] = [
        "# Fuzzing the importer with malformed data folders",
        "",
        f"`python bench/fuzz_import.py --examples {args.examples} --cli {args.cli} --seed {args.seed}`"
        f" on {dt.date.today().isoformat()}. A crash is any outcome other than a clean import or a"
        " refusal whose every problem reads `file:line: column: message` with the store unchanged.",
        "",
    ]
    crashes: list = []
    with tempfile.TemporaryDirectory(prefix="baotuan-fuzz-") as tmp:
        for title, n, run in (
            ("In process (import_path)", args.examples, run_example),
            ("Command line (baotuan import)", args.cli, run_cli),
        ):
            if not n:
                continue
            started = time.perf_counter()
            totals, by_kind, found = fuzz(n, args.seed, run, Path(tmp))
            out += _table(
                title,
                totals,
                by_kind if run is run_example else Counter(),
                time.perf_counter() - started,
            )
            out.append("")
            crashes += found
    for example, outcome in crashes[:10]:
        out += ["", f"crash: {example!r}", "```", outcome.detail[-3000:], "```"]
    text = "\n".join(out) + "\n"
    print(text)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
