"""How large an uploaded or imported workbook or archive may be, checked before it is parsed.

An ``.xlsx`` file is a zip archive of XML: a 9 MB workbook can unpack to 1 GB, and openpyxl
would parse all of it (7 minutes, 3.7 GB of memory). So before a workbook is opened,
:func:`check_workbook` streams through every member, counting the bytes actually unpacked (the
sizes an archive states can lie) and the ``<row>`` elements of every worksheet, and refuses it
as soon as a limit is passed — in the time it takes to unpack up to the limit, holding one
megabyte at a time. The same byte budget bounds a ``.zip`` of CSV files uploaded to the site.

:data:`DEFAULT_LIMITS` are plain defaults. The site and the command line pass the limits of their
settings (``webapp.settings.Settings.read_limits``: ``BAOTUAN_MAX_UNPACKED_MB``,
``BAOTUAN_MAX_SHEET_ROWS``; the settings are the only reader of the environment); an
organization's volunteer upload uses the smaller :data:`VOLUNTEER_UPLOAD_LIMITS`.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem

__all__ = [
    "ReadLimits",
    "DEFAULT_LIMITS",
    "VOLUNTEER_UPLOAD_LIMITS",
    "EXCEL_MAX_ROWS",
    "check_workbook",
]

#: the most rows an Excel sheet can have
EXCEL_MAX_ROWS = 1_048_576
_CHUNK = 1024 * 1024
# a worksheet row element, with or without a namespace prefix: <row r="2"> or <x:row ...>
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


@dataclass(frozen=True)
class ReadLimits:
    """``max_unpacked_bytes``: what a workbook or archive may unpack to in all;
    ``max_rows``: rows per sheet, the header row included."""

    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_rows: int = EXCEL_MAX_ROWS

    @property
    def unpacked_text(self) -> str:
        """The byte limit as people read it.

        Examples
        --------
        >>> ReadLimits(max_unpacked_bytes=64 * 2**20).unpacked_text
        '64 MB'
        """
        return f"{self.max_unpacked_bytes / 2**20:,.0f} MB"


#: the limits when no settings say otherwise
DEFAULT_LIMITS = ReadLimits()
VOLUNTEER_UPLOAD_LIMITS = ReadLimits(max_unpacked_bytes=32 * 1024 * 1024, max_rows=100_001)


def _count_rows(member, budget: int) -> tuple[int, int]:
    """``(rows, budget left)`` of one archive member; the budget may go below zero."""
    rows, tail = 0, b""
    while budget >= 0 and (chunk := member.read(_CHUNK)):
        budget -= len(chunk)
        buffer = tail + chunk
        # a match wholly inside ``tail`` was counted with the previous chunk
        rows += sum(1 for m in _ROW.finditer(buffer) if m.end() > len(tail))
        tail = buffer[-64:]
    return rows, budget


def check_workbook(path: str | os.PathLike, label: str, limits: ReadLimits) -> list[Problem]:
    """Problems that make ``path`` too large to open, found without parsing it.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> from openpyxl import Workbook
    >>> book = Workbook(); book.active.append(["village_id"]); book.active.append(["V1"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"; book.save(path)
    >>> check_workbook(path, "a.xlsx", ReadLimits())
    []
    >>> print(check_workbook(path, "a.xlsx", ReadLimits(max_rows=1))[0])
    a.xlsx: sheet1.xml holds more than 1 rows (the limit per sheet)
    """
    budget = limits.max_unpacked_bytes
    too_large = Problem(
        label,
        0,
        "",
        f"unpacks to more than {limits.unpacked_text} (the limit for one workbook); "
        "split it, or import CSV files from the command line",
    )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > budget:  # what it states, when it is honest
                return [too_large]
            for info in infos:
                with zf.open(info) as member:
                    rows, budget = _count_rows(member, budget)
                if budget < 0:
                    return [too_large]
                if rows > limits.max_rows and info.filename.startswith("xl/worksheets/"):
                    sheet = Path(info.filename).name
                    return [
                        Problem(
                            label,
                            0,
                            "",
                            f"{sheet} holds more than {limits.max_rows:,} rows "
                            "(the limit per sheet)",
                        )
                    ]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        return [Problem(label, 0, "", f"is not a readable .xlsx workbook: {message}")]
    except NotImplementedError as exc:
        return [Problem(label, 0, "", f"is not a readable .xlsx workbook: {exc}")]
    return []
