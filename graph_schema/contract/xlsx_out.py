"""The one writer of every ``.xlsx`` workbook the site and the command line hand out.

Every workbook goes through :func:`write_workbook`, so every one keeps the same promises:

- **Text stays text.** A cell that came from text is written as a string cell, never a formula:
  openpyxl stores any string starting with ``=`` as a formula, so an organization named
  ``=HYPERLINK("http://…","点此领取补贴")`` would have become a live link in an officer's Excel.
  Text starting with ``=``, ``+``, ``-`` or ``@`` (what Excel reads as the start of a formula
  when a person edits the cell) is written with its type set to string explicitly and Excel's
  quote prefix. Only values that are numbers in Python (``int``, ``float``) become number cells.
- Characters a worksheet cannot hold (control characters) are shown as U+FFFD; a text longer
  than Excel's 32,767 characters per cell is cut, with a note saying so.
- **Print setup**: A4 landscape, fit to the page width, the caption and header rows repeated on
  every printed page, the header row frozen and filterable.

Workbooks are written in openpyxl's write-only mode: rows stream to the file, so an export of a
million rows does not hold a million cell objects.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

__all__ = [
    "Sheet",
    "Choice",
    "write_workbook",
    "workbook_bytes",
    "cell_value",
    "EXCEL_CELL_CHARS",
    "FORMULA_STARTS",
]

#: the most characters an Excel cell holds
EXCEL_CELL_CHARS = 32_767
#: first characters that make Excel read typed text as a formula
FORMULA_STARTS = ("=", "+", "-", "@")
_CUT_NOTE = " …（过长，已截断）"
_HEADER_FILL = PatternFill("solid", fgColor="F2F4F7")


@dataclass(frozen=True)
class Choice:
    """A drop-down on one column of a sheet: the cell must be one of ``options`` (as shown)."""

    column: str
    options: tuple[str, ...]
    prompt: str = ""


@dataclass
class Sheet:
    """One worksheet: an optional caption row, a header row, then the rows.

    ``widths`` maps a header to its column width (characters); ``choices`` add drop-downs to
    the data rows (``choice_rows`` of them, for a template that people fill in).
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]] = ()
    caption: str = ""
    widths: Mapping[str, float] = field(default_factory=dict)
    default_width: float = 14
    choices: Sequence[Choice] = ()
    choice_rows: int = 1000


def _text(text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > EXCEL_CELL_CHARS:
        text = text[: EXCEL_CELL_CHARS - len(_CUT_NOTE)] + _CUT_NOTE
    return text


def cell_value(sheet, value: Any):
    """What to append for ``value``: a number stays a number, anything else is literal text.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook(write_only=True).create_sheet("x")
    >>> cell = cell_value(ws, '=HYPERLINK("http://x","点此")')
    >>> cell.data_type, cell.value
    ('s', '=HYPERLINK("http://x","点此")')
    >>> cell_value(ws, 3), cell_value(ws, "泰山区"), cell_value(ws, None)
    (3, '泰山区', None)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = _text(str(value))
    if text.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # set after the value: openpyxl guesses 'f' for a leading '='
        cell.quotePrefix = True  # Excel keeps it text when a person edits the cell
        return cell
    return text


def _styled(sheet, value: str, bold: bool, size: float | None = None, fill=None):
    cell = cell_value(sheet, value)
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(sheet, value=cell)
    cell.font = Font(bold=bold, size=size) if size else Font(bold=bold)
    if fill is not None:
        cell.fill = fill
    return cell


def _print_setup(ws, header_row: int) -> None:
    """A4 landscape, as wide as the page, caption and headers on every printed page."""
    ws.page_setup.paperSize = "9"  # A4 in the spreadsheetml numbering
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_row}"


def _add_choices(ws, spec: Sheet, header_row: int, last_row: int) -> None:
    for choice in spec.choices:
        column = get_column_letter(list(spec.headers).index(choice.column) + 1)
        options = ",".join(choice.options)
        check = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        check.error = f"请从下拉列表中选择：{options}"
        check.errorTitle = choice.column
        check.showErrorMessage = True
        if choice.prompt:
            check.prompt, check.promptTitle = choice.prompt, choice.column
            check.showInputMessage = True
        check.add(f"{column}{header_row + 1}:{column}{last_row}")
        ws.data_validations.append(check)


def _fill_sheet(book: Workbook, spec: Sheet) -> None:
    ws = book.create_sheet(spec.title)
    width = len(spec.headers)
    last = get_column_letter(max(width, 1))
    header_row = 2 if spec.caption else 1
    # A write-only sheet writes its columns, views and properties at the first row appended.
    for i, header in enumerate(spec.headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = spec.widths.get(
            header, spec.default_width
        )
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, header_row)
    if spec.caption:
        caption = _styled(ws, spec.caption, bold=True, size=14)
        caption.alignment = Alignment(horizontal="center")
        ws.append([caption])
        if width > 1:
            ws.merged_cells.add(f"A1:{last}1")
    ws.append([_styled(ws, h, bold=True, fill=_HEADER_FILL) for h in spec.headers])
    rows = 0
    for row in spec.rows:
        ws.append([cell_value(ws, v) for v in row])
        rows += 1
    if width:
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(rows, 1)}"
    _add_choices(ws, spec, header_row, header_row + max(rows, spec.choice_rows))


def write_workbook(sheets: Iterable[Sheet], target: str | os.PathLike | BinaryIO) -> None:
    """Write ``sheets`` as one workbook to a path or a binary stream.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> out = io.BytesIO()
    >>> write_workbook([Sheet("村", ["村", "人口"], [["=1+1", 12]])], out)
    >>> ws = load_workbook(out)["村"]
    >>> ws["A2"].value, ws["A2"].data_type, ws["B2"].value, ws.page_setup.orientation
    ('=1+1', 's', 12, 'landscape')
    """
    book = Workbook(write_only=True)
    for spec in sheets:
        _fill_sheet(book, spec)
    if isinstance(target, str | os.PathLike):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        book.save(os.fspath(target))
    else:
        book.save(target)


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """:func:`write_workbook` into memory, for a download.

    Examples
    --------
    >>> workbook_bytes([Sheet("a", ["x"])])[:2]
    b'PK'
    """
    out = io.BytesIO()
    write_workbook(sheets, out)
    return out.getvalue()
