"""Read and write a data folder (CSV files) or one ``.xlsx`` workbook, as in ``DATA_FORMAT.md``.

CSV text is UTF-8 (with or without a BOM) or GBK/GB18030, what Excel on a Chinese Windows saves:
it is decoded strictly as UTF-8 first, else as GB18030 (a superset of GBK), so both read the
same. A workbook is checked against :mod:`~graph_schema.contract.limits` before it is opened,
and each sheet is read whole whatever size its ``<dimension>`` element declares.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from ..clock import beijing_time
from ..errors import Problem, ValidationError
from .dataset import Dataset, format_frame
from .limits import DEFAULT_LIMITS, ReadLimits, check_workbook
from .tables import CONTRACT_TABLES, TABLE_ORDER, TABLES
from .validation import KnownIds, validate_tables
from .xlsx_out import Sheet, write_workbook

__all__ = [
    "read_raw",
    "read_data",
    "decode_csv",
    "write_data",
    "write_folder",
    "write_xlsx",
    "READABLE_COLUMNS",
]


def decode_csv(data: bytes, label: str) -> str | Problem:
    r"""CSV bytes as text: UTF-8 (a BOM is dropped) if they are, else GBK/GB18030.

    Examples
    --------
    >>> decode_csv("村,乡镇\n".encode("gbk"), "v.csv") == decode_csv("村,乡镇\n".encode(), "v.csv")
    True
    >>> print(decode_csv(b"a\nb\n\xff\xff\n", "v.csv"))
    v.csv:3: is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8"
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        line = data.count(b"\n", 0, first_bad) + 1
        return Problem(
            label, line, "", 'is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8"'
        )


def _read_csv(path: Path, label: str) -> pd.DataFrame | Problem:
    try:
        text = decode_csv(path.read_bytes(), label)
    except OSError as exc:
        return Problem(label, 0, "", f"cannot be read: {exc.strerror}")
    if isinstance(text, Problem):
        return text
    if not text.strip():
        return Problem(label, 1, "", "is empty: a header row is required")
    if "\x00" in text:
        return Problem(label, 0, "", "holds NUL bytes: it is not a CSV text file")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        message = " ".join(str(exc).split())
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
        if ragged:
            expected, line, saw = ragged.groups()
            return Problem(
                label, int(line), "", f"has {saw} fields where the header has {expected}"
            )
        return Problem(label, 0, "", f"is not well-formed CSV: {message}")
    # pandas renames a repeated header 'x' to 'x.1'; give it back its name so that the check
    # of the table can refuse it instead of silently reading the first 'x'.
    frame.columns = [_repeated_name(c, frame.columns) for c in frame.columns]
    lines = _record_lines(text, len(frame))
    if lines is not None:
        frame.attrs["lines"] = lines
    return frame


def _repeated_name(column: str, columns) -> str:
    found = re.fullmatch(r"(.+)\.\d+", column)
    return found.group(1) if found and found.group(1) in columns else column


def _record_lines(text: str, rows: int) -> list[int] | None:
    """The line each data row starts on, when blank lines or quoted line breaks shift them."""
    physical = text.count("\n") + text.count("\r") - text.count("\r\n")
    physical += 0 if text.endswith(("\n", "\r")) else 1
    if physical == rows + 1:
        return None  # one line per row: row i is on line i + 2
    starts, previous = [], 0
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            if record and (len(record) > 1 or record[0].strip()):
                starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:  # e.g. a field beyond the csv module's size limit: keep the plain count
        return None
    return starts[1:] if len(starts) == rows + 1 else None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(
    path: Path, limits: ReadLimits
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    import zipfile
    import zlib

    from openpyxl import load_workbook

    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    # A damaged workbook fails in zipfile, zlib or the XML parser, some of it only when a sheet
    # is read (read-only mode): either way it is one problem, never a traceback.
    unreadable = (
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        SyntaxError,  # xml.etree and lxml parse errors
    )

    def refuse(exc: BaseException):
        message = " ".join(str(exc).split()) or type(exc).__name__
        return {}, {}, [Problem(path.name, 0, "", f"is not a readable .xlsx workbook: {message}")]

    too_large = check_workbook(path, path.name, limits)
    if too_large:
        return {}, {}, too_large
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except unreadable as exc:
        return refuse(exc)
    try:
        for sheet in book.worksheets:
            name = sheet.title.strip().removesuffix(".csv")
            if name not in CONTRACT_TABLES:
                continue
            if name in labels:  # 'villages' and 'villages.csv': which one is meant?
                problems.append(
                    Problem(f"{path.name}[{sheet.title}]", 0, "", f"is a second sheet for {name}")
                )
                continue
            labels[name] = f"{path.name}[{name}]"
            # read-only mode stops at the size the sheet declares in <dimension>, which a
            # program writing the file may get wrong: forget it and read to the last row
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                problems.append(Problem(labels[name], 1, "", "is empty: a header row is required"))
                continue
            columns = [_cell_text(h).strip() for h in header]
            body = [[_cell_text(v) for v in row] for row in rows]
            body = [r + [""] * (len(columns) - len(r)) for r in body]
            # Excel leaves formatted-but-empty rows at the end of a sheet; they are no data.
            while body and not any(c.strip() for c in body[-1]):
                body.pop()
            keep = [i for i, c in enumerate(columns) if c]
            tables[name] = pd.DataFrame(
                [[r[i] for i in keep] for r in body],
                columns=[columns[i] for i in keep],
                dtype=object,
            )
    except unreadable as exc:
        return refuse(exc)
    finally:
        book.close()
    return tables, labels, problems


def read_raw(
    path: str | os.PathLike, limits: ReadLimits | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    """Read a data folder or ``.xlsx`` workbook into raw string tables, without checking them.

    A workbook larger than ``limits`` (default :data:`~graph_schema.contract.limits.DEFAULT_LIMITS`)
    is refused before it is parsed.

    Returns
    -------
    tables : dict of str to DataFrame
    labels : dict of str to str
        How each table's problems name its file.
    problems : list of Problem
        Files that could not be read at all.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, limits or DEFAULT_LIMITS)
    if not path.is_dir():
        return {}, {}, [Problem(str(path), 0, "", "is neither a data folder nor an .xlsx workbook")]
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    for name, spec in CONTRACT_TABLES.items():
        file = path / spec.filename
        if not file.exists():
            continue
        labels[name] = file.name
        got = _read_csv(file, file.name)
        if isinstance(got, Problem):
            problems.append(got)
        else:
            tables[name] = got
    return tables, labels, problems


def read_data(
    path: str | os.PathLike,
    known_ids: KnownIds | None = None,
    require_all: bool = True,
    limits: ReadLimits | None = None,
) -> Dataset:
    """Read and check a data folder or workbook; raise :class:`ValidationError` listing every problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "villages.csv").write_text("village_id,name,county,lat,lon\\nV1,易洼村,泰山区,36.3,117.2\\n")
    >>> try:
    ...     read_data(d)
    ... except ValidationError as e:
    ...     print(e.problems[0])
    capabilities.csv: required file is missing
    """
    tables, labels, problems = read_raw(path, limits)
    try:
        dataset = validate_tables(
            tables, labels, known_ids, require_all=require_all and not problems
        )
    except ValidationError as exc:
        raise ValidationError(problems + exc.problems, total=len(problems) + exc.total) from None
    if problems:
        raise ValidationError(problems)
    return dataset


_WRITE_CHUNK_ROWS = 1_000_000


def write_folder(
    dataset: Dataset, folder: str | os.PathLike, progress: Callable[[str, int], None] | None = None
) -> Path:
    """Write every table as ``<name>.csv`` (UTF-8, no BOM) into ``folder``, sorted by key.

    ``progress(name, rows)`` is called after each table is written, if given.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLE_ORDER:
        spec, frame = TABLES[name], dataset.sorted_table(name)
        with open(folder / spec.filename, "w", encoding="utf-8", newline="") as handle:
            # a chunk at a time, so the text of a 20-million-row table is never in memory whole
            for start in range(0, max(len(frame), 1), _WRITE_CHUNK_ROWS):
                chunk = frame.iloc[start : start + _WRITE_CHUNK_ROWS]
                format_frame(spec, chunk).to_csv(
                    handle, index=False, header=start == 0, lineterminator="\n"
                )
        if progress is not None:
            progress(name, len(frame))
    return folder


#: columns a workbook adds after a table's own for people (an import ignores them): the
#: approver's name and the approval in Beijing time next to the stored account id and UTC time
READABLE_COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "partnerships": (
        ("批准人", "approved_by", "person"),
        ("批准时间（北京时间）", "approved_at", "time"),
    ),
}


def _readable(name: str, names: Mapping[str, str]):
    """``(headers, cells(record))`` of the readable columns of table ``name``."""
    spec = READABLE_COLUMNS.get(name, ())

    def cells(record: dict) -> list[str]:
        return [
            beijing_time(record[c]) if how == "time" else names.get(record[c], record[c])
            for _, c, how in spec
        ]

    return [header for header, _, _ in spec], cells


def write_xlsx(
    dataset: Dataset,
    path: str | os.PathLike,
    progress: Callable[[str, int], None] | None = None,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Write every table as a sheet of one workbook (text cells as text, numbers as numbers).

    Written by :func:`~graph_schema.contract.xlsx_out.write_workbook`: a name such as
    ``=HYPERLINK(...)`` stays literal text, every sheet prints on A4 landscape.
    ``progress(name, rows)`` is called after each sheet is filled, if given. After a table's
    contract columns come its :data:`READABLE_COLUMNS` (who approved, by ``names``: account id
    to display name; when, in Beijing time), which an import of the workbook ignores.
    """
    path = Path(path)

    def rows(name: str, frame):
        spec = TABLES[name]
        kinds = [c.kind for c in spec.columns]
        _, readable = _readable(name, names or {})
        for row in format_frame(spec, frame).itertuples(index=False, name=None):
            cells = [_typed(k, v) for k, v in zip(kinds, row, strict=True)]
            if name in READABLE_COLUMNS:
                cells += readable(dict(zip(spec.column_names, row, strict=True)))
            yield cells
        if progress is not None:
            progress(name, len(frame))

    write_workbook(
        (
            Sheet(
                name,
                [*TABLES[name].column_names, *_readable(name, {})[0]],
                rows(name, frame),
            )
            for name, frame in dataset.canonical().items()
        ),
        path,
    )
    return path


def _typed(kind: str, text: str):
    """A contract cell for the workbook: numbers as numbers, everything else as the text it is."""
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


def write_data(
    dataset: Dataset,
    path: str | os.PathLike,
    progress: Callable[[str, int], None] | None = None,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Write to a workbook when ``path`` ends in ``.xlsx``, else to a folder of CSV files.

    ``names`` (account id to display name) fill a workbook's readable columns; the CSV files
    are the contract's own columns only.
    """
    if str(path).lower().endswith(".xlsx"):
        return write_xlsx(dataset, path, progress, names)
    return write_folder(dataset, path, progress)
