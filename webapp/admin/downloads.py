"""Files the admin pages hand out: a dated name and an ``.xlsx`` written to a temporary folder."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Response, send_file

__all__ = ["dated_name", "xlsx_download", "XLSX_MIMETYPE"]

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dated_name(stem: str, suffix: str) -> str:
    """``<stem>-YYYYMMDD.<suffix>`` for today.

    Examples
    --------
    >>> dated_name("baotuan-export", "xlsx")[:15]
    'baotuan-export-'
    """
    return f"{stem}-{dt.date.today():%Y%m%d}.{suffix}"


def xlsx_download(write: Callable[[Path], object], name: str) -> Response:
    """Run ``write(path)`` on a temporary file and send what it wrote as an attachment."""
    with tempfile.TemporaryDirectory(prefix="baotuan-download-") as tmp:
        path = Path(tmp) / name
        write(path)
        data = path.read_bytes()
    return send_file(
        io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name
    )
