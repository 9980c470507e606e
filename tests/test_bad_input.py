"""Bad input (issue 7, item 5): malformed CSV and XLSX data folders get a clear refusal or a clean
import, never a traceback and never a partial import; through the command line too.

The strategies live in ``tests/support/fuzz_import.py``; the long run ``bench/fuzz_import.py
--examples 1000`` writes ``bench/results/fuzz-import.md``; here a shorter run plus one test per
bug it has found.
"""

from __future__ import annotations

import copy
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from graph_schema import read_data
from graph_schema.contract.interchange import write_xlsx
from tests.support.fuzz_import import (
    PROBLEM_LINE,
    VALID,
    Example,
    _csv_text,
    examples,
    make_base_store,
    run_cli,
    run_example,
)

ROOT = Path(__file__).resolve().parent.parent
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    return make_base_store(tmp_path_factory.mktemp("fuzz-base") / "base.sqlite")


def _assert_clean(outcome) -> None:
    assert outcome.kind in ("refused", "imported"), outcome.detail


@pytest.mark.slow
@FUZZ
@given(example=examples())
def test_malformed_folders_are_refused_clearly_or_imported_whole(
    example, base_store, tmp_path_factory
):
    _assert_clean(run_example(example, tmp_path_factory.mktemp("fuzz"), base_store))


@pytest.mark.slow
@settings(FUZZ, max_examples=4)
@given(example=examples())
def test_command_line_refuses_with_exit_1_and_no_traceback(example, base_store, tmp_path_factory):
    _assert_clean(run_cli(example, tmp_path_factory.mktemp("cli"), base_store))


# -- one test per bug the fuzzing found ---------------------------------------------------------
def _tables(change=None) -> dict[str, list[list[str]]]:
    tables = copy.deepcopy(VALID)
    if change:
        change(tables)
    return tables


def _csv_example(tables, newline: str = "\n") -> Example:
    return Example("csv", {f"{n}.csv": _csv_text(r, newline).encode() for n, r in tables.items()})


def _xlsx_bytes(tables, extra_sheets: dict[str, list[list[str]]] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in {**tables, **(extra_sheets or {})}.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_example(tables, extra_sheets=None) -> Example:
    return Example("xlsx", {"data.xlsx": _xlsx_bytes(tables, extra_sheets)})


def _refusal(example: Example, workdir: Path, base_store: Path) -> list[str]:
    outcome = run_example(example, workdir, base_store)
    assert outcome.kind == "refused", outcome.detail
    return [str(p) for p in outcome.problems]


def _set(table: str, row: int, column: str, value: str):
    def change(tables):
        tables[table][row][tables[table][0].index(column)] = value

    return change


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "value, message",
    [
        ("99999999999999999999", "'99999999999999999999' is too large"),  # crashed: Int64 cast
        ("9223372036854775808", "'9223372036854775808' is too large"),
    ],
)
def test_whole_numbers_too_large_to_keep_are_refused(fmt, value, message, tmp_path, base_store):
    tables = _tables(_set("villages", 1, "population", value))
    example = _csv_example(tables) if fmt == "csv" else _xlsx_example(tables)
    label = "villages.csv" if fmt == "csv" else "data.xlsx[villages]"
    assert f"{label}:2: population: {message}" in " ".join(_refusal(example, tmp_path, base_store))


@pytest.mark.parametrize("value", ["inf", "-inf", "1e309", "Infinity"])
def test_infinite_amounts_are_not_numbers(value, tmp_path, base_store):
    # they used to be stored, and then exported as empty cells
    example = _csv_example(_tables(_set("projects", 1, "budget_yuan", value)))
    problems = _refusal(example, tmp_path, base_store)
    assert f"projects.csv:2: budget_yuan: '{value}' is not a number" in problems


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("second", ["severity", " severity "])
def test_a_column_given_twice_is_refused(fmt, second, tmp_path, base_store):
    # an .xlsx crashed; a CSV silently used the first of the two
    def change(tables):
        tables["needs"][0].append(second)
        for row in tables["needs"][1:]:
            row.append("1")

    tables = _tables(change)
    example = _csv_example(tables) if fmt == "csv" else _xlsx_example(tables)
    label = "needs.csv" if fmt == "csv" else "data.xlsx[needs]"
    assert f"{label}:1: severity: column appears more than once" in _refusal(
        example, tmp_path, base_store
    )


def test_repeated_unknown_columns_are_ignored(tmp_path, base_store):
    def change(tables):
        tables["villages"][0] += ["备注", "备注"]
        for row in tables["villages"][1:]:
            row += ["a", "b"]

    for example in (_csv_example(_tables(change)), _xlsx_example(_tables(change))):
        assert run_example(example, tmp_path / example.fmt, base_store).kind == "imported"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_are_counted_as_an_editor_shows_them(newline, tmp_path, base_store):
    # a blank line, and a quoted value over two lines, used to shift every later line number
    def change(tables):
        tables["needs"].insert(2, [])  # line 3 is blank
        tables["needs"][3][2] = "9"  # F-V1 education: line 4
        tables["villages"][1][1] = "易洼村\n（东）"  # F-V1 spans lines 2 and 3
        tables["villages"][2][4] = "200"  # F-V2: line 4
        tables["capabilities"].insert(1, [])
        tables["capabilities"][3][0] = "NO-SUCH-ORG"  # F-O1 education: line 4

    problems = _refusal(_csv_example(_tables(change), newline), tmp_path, base_store)
    assert "needs.csv:4: severity: 9 is outside 1..5" in problems
    assert any(p.startswith("villages.csv:4: lat: 200 is outside 3.5..54") for p in problems)
    assert "capabilities.csv:4: org_id: unknown organization 'NO-SUCH-ORG'" in problems


def test_a_row_with_too_many_fields_is_located(tmp_path, base_store):
    problems = _refusal(
        _csv_example(_tables(lambda t: t["needs"][2].append("extra"))), tmp_path, base_store
    )
    assert problems == ["needs.csv:3: has 4 fields where the header has 3"]


def test_two_sheets_for_one_table_are_refused(tmp_path, base_store):
    # the second used to replace the first silently
    example = _xlsx_example(_tables(), {"reviews.csv": [VALID["reviews"][0]]})
    assert _refusal(example, tmp_path, base_store) == [
        "data.xlsx[reviews.csv]: is a second sheet for reviews"
    ]


def test_damaged_workbooks_are_refused_not_crashed(tmp_path, base_store):
    # one workbook in three with a flipped byte crashed (zlib.error, NotImplementedError...)
    data = _xlsx_bytes(_tables())
    rng = random.Random(2020)
    for i in range(40):
        at = rng.randrange(len(data))
        damaged = data[:at] + bytes([data[at] ^ rng.randrange(1, 256)]) + data[at + 1 :]
        outcome = run_example(
            Example("xlsx", {"data.xlsx": damaged}), tmp_path / str(i), base_store
        )
        _assert_clean(outcome)


def test_formula_like_text_survives_an_xlsx_export(tmp_path, base_store):
    # names starting with '=' were written as formulas: lost on re-import, run by Excel
    tables = _tables(_set("villages", 1, "name", '=HYPERLINK("http://x")'))
    tables["organizations"][1][1] = "=1+1"
    folder = _csv_example(tables).write(tmp_path / "in")
    dataset = read_data(
        folder,
        known_ids={
            ("villages", "village_id"): {"S-V1", "S-V2"},
            ("organizations", "org_id"): {"S-O1"},
        },
    )
    book = write_xlsx(dataset, tmp_path / "out.xlsx")
    again = read_data(
        book,
        known_ids={
            ("villages", "village_id"): {"S-V1", "S-V2"},
            ("organizations", "org_id"): {"S-O1"},
        },
    )
    assert again.equals(dataset)
    from openpyxl import load_workbook

    cell = load_workbook(book)["villages"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_control_characters_do_not_break_the_xlsx_export(tmp_path):
    tables = _tables(_set("villages", 1, "town", "镇\x1b"))
    folder = _csv_example(tables).write(tmp_path / "in")
    known = {("villages", "village_id"): {"S-V2"}, ("organizations", "org_id"): {"S-O1"}}
    book = write_xlsx(read_data(folder, known_ids=known), tmp_path / "out.xlsx")
    assert read_data(book, known_ids=known)["villages"]["town"].iloc[0] == "镇\ufffd"


def test_problem_lines_through_the_command_line(tmp_path, base_store):
    tables = _tables(_set("needs", 1, "severity", "7"))
    folder = _csv_example(tables).write(tmp_path / "in")
    code = "import sys; from webapp.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "--store", str(tmp_path / "s.sqlite"), "import", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("baotuan import: refused:")
    assert all(PROBLEM_LINE.fullmatch(line) for line in lines[1:])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_quoted_values_stay_on_one_short_line(fmt, tmp_path, base_store):
    # a value with a line break broke the one-problem-a-line output; a huge one flooded it
    def change(tables):
        tables["needs"][1][1] = "elder\ncare"
        tables["needs"][2][1] = "护" * 300_000

    tables = _tables(change)
    example = _csv_example(tables) if fmt == "csv" else _xlsx_example(tables)
    problems = _refusal(example, tmp_path, base_store)
    assert all("\n" not in p and len(p) < 400 for p in problems), problems
    assert any("unknown service code 'elder\\ncare'" in p for p in problems), problems


def test_gbk_csv_imports_like_utf8_and_bad_bytes_name_their_line(tmp_path, base_store):
    # Excel on a Chinese Windows saves "CSV" as GBK: it was refused in English with a byte offset
    utf8 = _csv_example(_tables())
    gbk = Example("csv", {n: d.decode("utf-8").encode("gbk") for n, d in utf8.files.items()})
    assert run_example(gbk, tmp_path / "gbk", base_store).kind == "imported"
    broken = dict(gbk.files)
    broken["villages.csv"] = broken["villages.csv"].replace(b"\n", b"\xff\n", 3)
    problems = _refusal(Example("csv", broken), tmp_path / "bad", base_store)
    expected = 'villages.csv:1: is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8"'
    assert expected in problems, problems
    assert not any("byte" in p for p in problems)
