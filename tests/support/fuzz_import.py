"""The malformed-data-folder strategies and their runner, shared by ``tests/test_bad_input.py``
and the long run ``bench/fuzz_import.py`` (which prints and writes the table).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import shutil
import sqlite3
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

from graph_schema.contract.tables import TABLES  # noqa: E402
from graph_schema.contract.validation import validate_tables  # noqa: E402
from graph_schema.errors import Problem, ValidationError  # noqa: E402
from graph_schema.operations import import_path  # noqa: E402
from graph_schema.store import SqliteGraphStore  # noqa: E402

__all__ = [
    "Example",
    "Outcome",
    "examples",
    "make_base_store",
    "run_example",
    "run_cli",
    "PROBLEM_LINE",
]

#: how a problem must read: ``file:line: column: message`` or ``file: message``
PROBLEM_LINE = re.compile(r"[^\n:][^\n]*?(?::\d+)?: [^\n]+")

# -- the valid starting point -----------------------------------------------------------------
# Ids starting with S are already stored; the folder adds F ids and refers to both.
_STORED_CSV = {
    "villages": """village_id,name,county,lat,lon
S-V1,旧村一,泰山区,36.2,117.1
S-V2,旧村二,肥城市,36.1,116.7
""",
    "needs": "village_id,service,severity\nS-V1,medical,2\n",
    "organizations": """org_id,name,kind,county,lat,lon,max_villages
S-O1,旧组织,social_group,泰山区,36.2,117.1,3
""",
    "capabilities": "org_id,service,level\nS-O1,medical,4\n",
}
_VALID_CSV = {
    "villages": """village_id,name,county,town,lat,lon,population,poor_households
F-V1,易洼村,泰山区,邱家店镇,36.35317,117.27697,490,24
F-V2,邹营村,肥城市,,36.26963,116.54832,1043,52
F-V3,东平湖村,东平县,,35.9,116.3,,
""",
    "needs": """village_id,service,severity
F-V1,elder_care,5
F-V1,education,3
F-V2,medical,4
S-V2,livelihood,2
""",
    "organizations": """org_id,name,kind,county,lat,lon,max_villages,volunteers,rating,has_party_branch
F-O1,泰安朝阳教育基金会,foundation,岱岳区,36.11527,117.00397,3,31,4,true
F-O2,众诚社工服务中心,service_agency,新泰市,35.9,117.7,2,,0,false
F-O3,夕阳红志愿者协会,social_group,宁阳县,35.77,116.8,0,12,,
""",
    "capabilities": """org_id,service,level
F-O1,elder_care,5
F-O1,education,4
F-O2,medical,3
S-O1,visiting,2
""",
    "volunteers": """volunteer_id,name,lat,lon,county,hours_per_month,org_id
F-P1,陈某,35.99593,117.28013,泰山区,31,F-O1
F-P2,王某,36.03935,117.88167,新泰市,12.5,
F-P3,李某,36.0,117.0,,,S-O1
""",
    "volunteer_skills": "volunteer_id,service\nF-P1,visiting\nF-P1,elder_care\nF-P2,education\n",
    "projects": """project_id,name,lead_org_id,service,village_id,start_date,end_date,budget_yuan,demonstration
F-J1,夕阳红技能培训项目,F-O1,skills_training,F-V1,2019-03-01,2019-12-31,54000,false
F-J2,留守妇女关爱项目,S-O1,women_support,,2016-03-01,,,true
""",
    "project_orgs": "project_id,org_id,role\nF-J1,F-O1,lead\nF-J1,F-O2,partner\nF-J2,S-O1,lead\n",
    "reviews": """project_id,score,reviewed_on,reviewer,comment
F-J1,80.5,2019-12-31,评审组,成效明显
F-J2,61,,,
""",
    "partnerships": """village_id,org_id,role,since
F-V1,F-O1,lead,2020-01-01
F-V1,F-O2,member,2020-01-01
S-V2,S-O1,lead,
""",
}


def _rows_of(tables: dict[str, str]) -> dict[str, list[list[str]]]:
    return {name: list(csv.reader(io.StringIO(text))) for name, text in tables.items()}


#: the records already stored, and the valid folder every example starts from (rows of text)
STORED = _rows_of(_STORED_CSV)
VALID = _rows_of(_VALID_CSV)

# fmt: off
NASTY = [
    "", " ", "\u3000", "nan", "NaN", "None", "null", "inf", "-inf", "Infinity", "1e309", "-1e309",
    "99999999999999999999", "9223372036854775808", "-9223372036854775809", "1e18", "-1", "-0",
    "0", "1.5", "5.0", "+5", " 5 ", "0x10", "1_000", "1,5", "２", "٣", "五", "true", "是", "TRUE",
    "2020-02-30", "2020-13-01", "0001-01-01", "9999-12-31", "2020/01/01", "20200101",
    "2020-01-01T08:00:00", "elder_care ", "Elder_Care", "=1+1", "@SUM(A1)", "'", "\"", "\"\"",
    "a,b", "a\nb", "a\r\nb", "\ufeffV", "\x00", "\x1b[31m", "\ud7ff", "F-V1", "F-O1", "S-V1",
    "<script>alert(1)</script>", "../../etc/passwd", "%s%n", "{0}", "NO-SUCH-ID",
]
# fmt: on
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "utf-16", "latin-1", "cp1252", "utf-32"]


# -- examples --------------------------------------------------------------------------------
@dataclass
class Example:
    """A data folder (``fmt`` csv) or workbook (``fmt`` xlsx) as bytes, and how it was made."""

    fmt: str
    files: dict[str, bytes]
    mutations: list[str] = field(default_factory=list)
    #: ``(file label, line, column)`` where a lone cell mutation sits (for checking locations)
    located: tuple[str, int, str] | None = None

    @property
    def kinds(self) -> set[str]:
        return {m.split(":", 1)[0] for m in self.mutations}

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder / "data.xlsx" if self.fmt == "xlsx" else folder

    def __repr__(self) -> str:  # Hypothesis prints this for a failing example
        sizes = {k: len(v) for k, v in self.files.items()}
        return f"Example(fmt={self.fmt!r}, mutations={self.mutations!r}, sizes={sizes})"


def _copy(tables: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    return {name: [list(r) for r in rows] for name, rows in tables.items()}


#: values aimed at each kind of column (see graph_schema.contract.tables)
# fmt: off
NASTY_BY_KIND = {
    "int": [
        "99999999999999999999", "9007199254740993", "9223372036854775807", "-1", "1.5", "1e3",
        "1e309", "inf", "nan", "0x1F", "٣", "五", " 7 ", "+3", "-0", "3.0000000000000001",
    ],
    "float": [
        "inf", "-inf", "nan", "1e309", "-1e-320", "1e308", "91", "-180.0001", "1,5", "36°", "0e0",
    ],
    "date": [
        "2020-02-30", "2020-13-01", "0001-01-01", "9999-12-31", "2020-1-1", "2020/01/01",
        "20200101", "2020-01-01T08:00", "٢٠٢٠-٠١-٠١", "1899-12-30", "2262-04-12",
    ],
    "bool": ["TRUE", "yes", "2", "是", "否", "真", "t", "N", "1.0"],
    "code": ["Elder_Care", "elder_care ", "ELDER_CARE", "关爱老人", "lead ", "foundation\t", "partner"],
    "str": ["F-V1", "S-V1", "S-O1", "NO-SUCH-ID", "\ufeffF-V1", "x" * 1000, "F-V1 "],
}
# fmt: on


def _cell_values(kind: str = "str") -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_BY_KIND.get(kind, NASTY_BY_KIND["str"])),
        st.sampled_from(NASTY),
        st.text(max_size=12),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
        st.floats().map(repr),
    )


def _kind(table: str, column: str) -> str:
    try:
        return TABLES[table].column(column).kind
    except KeyError:
        return "str"


def _set_cell(row: list[Any], column: int, value: Any) -> None:
    # an earlier mutation may have cut the row short (ragged) or emptied it (a blank line)
    row.extend([""] * (column + 1 - len(row)))
    row[column] = value


@st.composite
def _table_mutation(draw, tables: dict[str, list[list[Any]]], fmt: str) -> str:
    """Change ``tables`` in place; return what was done."""
    names = sorted(tables)
    if not names:
        return "none"
    name = draw(st.sampled_from(names))
    rows = tables[name]
    header = rows[0] if rows else []
    kind = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "dangling",
                "drop_column",
                "duplicate_row",
                "drop_row",
                "extra_column",
                "drop_table",
                "header_only",
                "ragged",
                "header_case",
                "huge_field",
                "blank_lines",
                "swap_columns",
            ]
        )
    )
    data_rows = range(1, len(rows))
    if kind in ("cell", "huge_field") and header and len(rows) > 1:
        r = draw(st.sampled_from(data_rows))
        c = draw(st.integers(0, len(header) - 1))
        if kind == "huge_field":
            value = draw(st.sampled_from(["x", "村", "9"])) * draw(
                st.sampled_from([40_000, 300_000])
            )
        else:
            value = draw(_cell_values(_kind(name, header[c])))
        _set_cell(rows[r], c, value)
        return f"{kind}:{name}:{r + 1}:{header[c]}:{str(rows[r][c])[:30]!r}"
    if kind == "dangling":
        refs = [c.name for c in TABLES[name].columns if c.ref and c.name in header]
        if refs and len(rows) > 1:
            col = draw(st.sampled_from(refs))
            r = draw(st.sampled_from(data_rows))
            _set_cell(rows[r], header.index(col), "NO-SUCH-ID")
            return f"dangling:{name}:{r + 1}:{col}"
    if kind == "drop_column" and header:
        c = draw(st.integers(0, len(header) - 1))
        for row in rows:
            if c < len(row):
                del row[c]
        return f"drop_column:{name}:{header[c] if c < len(header) else c}"
    if kind == "duplicate_row" and len(rows) > 1:
        r = draw(st.sampled_from(data_rows))
        rows.insert(draw(st.integers(1, len(rows))), list(rows[r]))
        return f"duplicate_row:{name}:{r + 1}"
    if kind == "drop_row" and len(rows) > 1:
        del rows[draw(st.sampled_from(data_rows))]
        return f"drop_row:{name}"
    if kind == "extra_column" and header:
        col = draw(
            st.sampled_from(["备注", "notes", "", " ", "Unnamed: 0", header[0], " lat ", "name"])
        )
        value = draw(_cell_values())
        header.append(col)
        for row in rows[1:]:
            row.append(value)
        return f"extra_column:{name}:{col!r}"
    if kind == "drop_table":
        del tables[name]
        return f"drop_table:{name}"
    if kind == "header_only":
        del rows[1:]
        return f"header_only:{name}"
    if kind == "ragged" and len(rows) > 1:
        r = draw(st.sampled_from(data_rows))
        if draw(st.booleans()):
            rows[r] += draw(st.lists(_cell_values(), min_size=1, max_size=3))
        else:
            del rows[r][draw(st.integers(0, max(len(rows[r]) - 1, 0))) :]
        return f"ragged:{name}:{r + 1}"
    if kind == "header_case" and header:
        c = draw(st.integers(0, len(header) - 1))
        header[c] = draw(
            st.sampled_from([str(header[c]).upper(), str(header[c]).title(), f" {header[c]} "])
        )
        return f"header_case:{name}:{header[c]!r}"
    if kind == "blank_lines" and fmt == "csv" and len(rows) > 1:
        rows.insert(draw(st.integers(1, len(rows))), [])
        return f"blank_lines:{name}"
    if kind == "swap_columns" and len(header) > 1:
        for row in rows:
            if len(row) > 1:
                row[0], row[-1] = row[-1], row[0]
        return f"swap_columns:{name}"
    return "none"


def _csv_text(rows: list[list[Any]], newline: str) -> str:
    # Written row by row with "\r\n" and then given ``newline``: the csv module quotes only
    # the line-break characters of its own terminator, so with "\r" a cell holding "\n" would
    # be left bare and split its row, which no spreadsheet program writes.
    lines = []
    for row in rows:
        buffer = io.StringIO()
        if row:
            csv.writer(buffer, lineterminator="\r\n").writerow(row)
        lines.append(buffer.getvalue().removesuffix("\r\n") + newline)
    return "".join(lines)


@st.composite
def _csv_files(draw, tables: dict[str, list[list[Any]]], mutations: list[str]) -> dict[str, bytes]:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    files = {f"{name}.csv": _csv_text(rows, newline) for name, rows in tables.items()}
    out = {name: text.encode("utf-8") for name, text in files.items()}
    for _ in range(draw(st.integers(0, 2))):
        # a data file: a README added by an earlier mutation has no text to re-encode
        name = draw(st.sampled_from(sorted(files)))
        kind = draw(
            st.sampled_from(
                ["encoding", "quote", "junk", "truncate", "empty", "nul", "bom_inside", "readme"]
            )
        )
        data = out[name]
        if kind == "encoding":
            encoding = draw(st.sampled_from(ENCODINGS))
            data = files[name].encode(encoding, errors="replace")
        elif kind == "quote" and data:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b'"' + data[at:]
        elif kind == "junk":
            data = draw(st.binary(min_size=1, max_size=300))
        elif kind == "truncate" and data:
            data = data[: draw(st.integers(0, len(data) - 1))]
        elif kind == "empty":
            data = b""
        elif kind == "nul" and data:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "bom_inside" and data:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + "\ufeff".encode() + data[at:]
        elif kind == "readme":
            out["README.txt"] = "这不是数据文件".encode()
        out[name] = data
        mutations.append(f"bytes_{kind}:{name}")
    return out


def _typed(value: Any) -> Any:
    """What Excel would hold for a cell typed as text: a number, a date or a boolean."""
    text = str(value)
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    return {"true": True, "false": False}.get(text, text)


def _offset(draw, size: int) -> int:
    # A saved workbook's size varies with the time written into it: draw independently of it,
    # or Hypothesis sees a different strategy each time it replays an example.
    return draw(st.integers(0, 2**24)) % max(size, 1)


@st.composite
def _xlsx_files(draw, tables: dict[str, list[list[Any]]], mutations: list[str]) -> dict[str, bytes]:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "typed",
                    "sheet_name",
                    "empty_sheet",
                    "formula",
                    "extra_sheet",
                    "blank_row",
                    "dup_sheet",
                ]
            ),
            max_size=2,
            unique=True,
        )
    )
    target = draw(st.sampled_from(sorted(tables))) if tables else ""
    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        title = name
        if name == target and "sheet_name" in kinds:
            title = draw(st.sampled_from([name.title(), f"{name}.csv", f" {name} ", name.upper()]))
        sheet = book.create_sheet(title[:31])
        if name == target and "empty_sheet" in kinds:
            continue
        for i, row in enumerate(rows):
            cells = [ILLEGAL_CHARACTERS_RE.sub("", str(v)) for v in row]
            sheet.append([_typed(v) if "typed" in kinds and i else v for v in cells])
            if name == target and "blank_row" in kinds and i == 1:
                sheet.append([])
        if name == target and "formula" in kinds and len(rows) > 1:
            sheet.cell(row=2, column=1).value = '=A1&"x"'
        if name == target and "dup_sheet" in kinds:
            book.create_sheet(f"{name}.csv"[:31]).append(rows[0] if rows else [])
    if "extra_sheet" in kinds:
        book.create_sheet("说明").append(["这张表不是数据"])
    mutations += [f"xlsx_{k}:{target}" for k in kinds]
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    damage = draw(st.sampled_from(["none"] * 8 + ["junk", "truncate", "flip", "csv_text"]))
    if damage == "junk":
        data = draw(st.binary(min_size=0, max_size=300))
    elif damage == "truncate":
        data = data[: _offset(draw, len(data))]
    elif damage == "flip":
        at = _offset(draw, len(data))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif damage == "csv_text":
        data = _csv_text(tables.get("villages", [["x"]]), "\n").encode()
    if damage != "none":
        mutations.append(f"xlsx_{damage}")
    return {"data.xlsx": data}


@st.composite
def examples(draw, max_mutations: int = 3) -> Example:
    """A mutated data folder: CSV files or one workbook, from 0 to ``max_mutations`` changes."""
    fmt = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    tables = _copy(VALID)
    mutations = [
        m
        for m in (
            draw(_table_mutation(tables, fmt)) for _ in range(draw(st.integers(0, max_mutations)))
        )
        if m != "none"
    ]
    located = None
    if len(mutations) == 1 and mutations[0].startswith(("cell:", "dangling:")):
        name, line, column = mutations[0].split(":")[1:4]
        if column not in TABLES[name].key:  # a changed key can also make a duplicate elsewhere
            label = f"{name}.csv" if fmt == "csv" else f"data.xlsx[{name}]"
            located = (label, int(line), column)
    if fmt == "csv":
        files = draw(_csv_files(tables, mutations))
    else:
        files = draw(_xlsx_files(tables, mutations))
    if len(mutations) > 1 or (mutations and not mutations[0].startswith(("cell:", "dangling:"))):
        located = None
    return Example(fmt, files, mutations or ["none"], located)


# -- running one ------------------------------------------------------------------------------
@dataclass
class Outcome:
    """``kind`` is refused, imported or crash; ``detail`` says why."""

    kind: str
    detail: str = ""
    problems: list[Problem] = field(default_factory=list)


def make_base_store(path: Path) -> Path:
    """A SQLite store holding the few records the examples refer to as already stored."""
    import pandas as pd

    raw = {n: pd.DataFrame(rows[1:], columns=rows[0], dtype=object) for n, rows in STORED.items()}
    store = SqliteGraphStore(path)
    try:
        store.import_dataset(validate_tables(raw), actor="fuzz-setup")
    finally:
        store.close()
    return path


def _state(path: Path) -> str:
    """A digest of everything in the SQLite file, audit trail included."""
    db = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
    finally:
        db.close()


def _problem_faults(example: Example, path: Path, problems: list[Problem]) -> list[str]:
    labels = {t.filename for t in TABLES.values()} | {"data.xlsx", str(path)}
    labels |= {p.file for p in problems if re.fullmatch(r"data\.xlsx\[[^\]]+\]", p.file)}
    faults = []
    if not problems:
        faults.append("a refusal without problems")
    for p in problems:
        text = str(p)
        if not isinstance(p, Problem) or not PROBLEM_LINE.fullmatch(text) or "Traceback" in text:
            faults.append(f"badly formed problem {text!r}")
        elif p.file not in labels:
            faults.append(f"problem names no file of the upload: {text!r}")
    if example.located:
        label, line, column = example.located
        lines = {p.line for p in problems if p.file == label and p.column == column}
        if lines and lines != {line}:
            faults.append(
                f"{label} {column}: problem on line(s) {sorted(lines)}, the cell is on {line}"
            )
    return faults


def _prepare(example: Example, workdir: Path, base_store: Path) -> tuple[Path, Path]:
    """Write the example under a fresh ``workdir`` beside a copy of the base store."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    db = workdir / "store.sqlite"
    shutil.copy(base_store, db)
    return example.write(workdir / "in"), db


def run_example(example: Example, workdir: Path, base_store: Path) -> Outcome:
    """Import ``example`` into a copy of ``base_store``; classify what happened."""
    path, db = _prepare(example, workdir, base_store)
    store = SqliteGraphStore(db)
    try:
        before = _state(db)
        try:
            report = import_path(store, path, actor="fuzz")
        except ValidationError as exc:
            faults = _problem_faults(example, path, exc.problems)
            if _state(db) != before:
                faults.append("a refused import changed the store")
            if faults:
                return Outcome("crash", "; ".join(faults), exc.problems)
            return Outcome("refused", str(exc.problems[0]), exc.problems)
        except Exception:  # noqa: BLE001 - anything else is exactly what this looks for
            return Outcome("crash", traceback.format_exc())
        # A clean import: importing the same input again changes nothing.
        again = import_path(store, path, actor="fuzz")
        if again.total_changed:
            return Outcome("crash", f"a second import changed {again.changed}")
        return Outcome("imported", f"{report.total_changed} rows")
    finally:
        store.close()


def run_cli(example: Example, workdir: Path, base_store: Path) -> Outcome:
    """Import ``example`` with ``baotuan import`` in a subprocess: exit 1 and no traceback on refusal."""
    path, db = _prepare(example, workdir, base_store)
    code = "import sys; from webapp.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "--store", str(db), "import", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    if "Traceback" in done.stderr or done.returncode not in (0, 1):
        return Outcome("crash", f"exit {done.returncode}: {done.stderr[-2000:]}")
    if done.returncode == 1:
        lines = [line for line in done.stderr.splitlines()[1:] if line.strip()]
        bad = [
            line
            for line in lines
            if not PROBLEM_LINE.fullmatch(line) and "more problems" not in line
        ]
        if bad:
            return Outcome("crash", f"badly formed problem lines: {bad[:3]}")
        return Outcome("refused", lines[0] if lines else "")
    return Outcome("imported")


# -- the long run -----------------------------------------------------------------------------
def fuzz(
    n: int, seed: int, run: Callable[[Example, Path, Path], Outcome], tmp: Path
) -> tuple[Counter, Counter, list]:
    """Run ``n`` examples; count outcomes overall and per mutation kind; keep the crashes."""
    base = make_base_store(tmp / "base.sqlite")
    totals: Counter = Counter()
    by_kind: Counter = Counter()
    crashes: list[tuple[Example, Outcome]] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # count every example; no shrinking
    )
    @given(examples())
    def one(example: Example) -> None:
        outcome = run(example, tmp / "work", base)
        totals[outcome.kind] += 1
        for kind in example.kinds:
            by_kind[(kind, outcome.kind)] += 1
        if outcome.kind == "crash":
            crashes.append((example, outcome))

    hypothesis_seed(seed)(one)()
    return totals, by_kind, crashes
