"""Files the admin pages hand out: a dated name, an ``.xlsx`` written to a temporary folder, and
the Excel template of a whole data folder (``/admin/templates/data.xlsx``; this module's route is
attached to the admin blueprint when :mod:`.import_views` imports it).

Every workbook is written by :mod:`graph_schema.contract.xlsx_out` (text literal, A4 print setup).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Response, send_file

from graph_schema.clock import BEIJING
from graph_schema.contract.dataset import Dataset
from graph_schema.contract.xlsx_templates import data_folder_template

from ..people_time import person
from .blueprint import bp

__all__ = [
    "dated_name",
    "account_names",
    "xlsx_download",
    "send_xlsx",
    "XLSX_MIMETYPE",
    "DATA_TEMPLATE_NAME",
]

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the name the data folder template downloads as
DATA_TEMPLATE_NAME = "baotuan-data-template.xlsx"


def dated_name(stem: str, suffix: str) -> str:
    """``<stem>-YYYYMMDD.<suffix>`` for today in Beijing (the server's clock may be UTC).

    Examples
    --------
    >>> dated_name("baotuan-export", "xlsx")[:15]
    'baotuan-export-'
    """
    return f"{stem}-{dt.datetime.now(BEIJING):%Y%m%d}.{suffix}"


def account_names(dataset: Dataset) -> dict[str, str]:
    """The display name of every account that approved a partnership of ``dataset``.

    For the full export's 批准人 column (``graph_schema.contract.interchange.READABLE_COLUMNS``);
    an actor that is not an account (``system``, an importer's label) names itself.
    Needs an app context (the site's ``users``).
    """
    actors = {str(a) for a in dataset["partnerships"]["approved_by"].dropna() if a}
    return {actor: person(actor) for actor in actors}


def xlsx_download(write: Callable[[Path], object], name: str) -> Response:
    """Run ``write(path)`` on a temporary file and send what it wrote as an attachment."""
    with tempfile.TemporaryDirectory(prefix="baotuan-download-") as tmp:
        path = Path(tmp) / name
        write(path)
        data = path.read_bytes()
    return send_xlsx(data, name)


def send_xlsx(data: bytes, name: str) -> Response:
    """Send workbook bytes as an attachment named ``name``."""
    return send_file(
        io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name
    )


@bp.get("/templates/data.xlsx")
def data_template():
    """The Excel template of a whole data folder: one sheet per file, drop-downs for codes."""
    return send_xlsx(data_folder_template(), DATA_TEMPLATE_NAME)
