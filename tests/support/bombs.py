"""Workbooks that unpack to far more than they weigh, and a way to run a command measuring it.

Shared by ``tests/test_spreadsheets_in.py`` (the refusals and their memory) and
``bench/bench_refusal.py`` (how long each door takes to refuse one).

Examples
--------
>>> import tempfile, zipfile
>>> from pathlib import Path
>>> path = unpacking_workbook(Path(tempfile.mkdtemp()) / "b.xlsx", unpacked=32 * 1024 * 1024)
>>> path.stat().st_size < 1024 * 1024
True
>>> with zipfile.ZipFile(path) as zf:
...     zf.getinfo("xl/worksheets/sheet1.xml").file_size > 32 * 1024 * 1024
True
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook

__all__ = ["unpacking_workbook", "run_measured", "ROOT", "SITE_UPLOAD"]

ROOT = Path(__file__).resolve().parent.parent.parent


def unpacking_workbook(path: Path, unpacked: int = 1024**3, claimed: int | None = None) -> Path:
    """A valid small workbook whose villages sheet unpacks to ``unpacked`` bytes of blanks.

    With ``claimed``, the archive's directory lies that the sheet unpacks to that many bytes.
    """
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "villages"
    sheet.append(["village_id", "name", "county", "lat", "lon"])
    sheet.append(["V1", "易洼村", "泰山区", "36.3", "117.2"])
    small = io.BytesIO()
    book.save(small)
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with dst.open(info.filename, "w", force_zip64=True) as member:
                member.write(head)
                blanks = b" " * (16 * 1024 * 1024)
                for _ in range(unpacked // len(blanks)):
                    member.write(blanks)  # whitespace between rows: well-formed XML
                member.write(b"</sheetData>" + tail)
        if claimed is not None:
            dst.getinfo("xl/worksheets/sheet1.xml").file_size = claimed
    return path


#: a script that posts a file to a site page as a demo account, in a process of its own:
#: ``python -c SITE_UPLOAD STORE FILE URL FIELD USER`` prints {"status", "html"} as JSON
SITE_UPLOAD = """
import io, json, sys, tempfile
from webapp import create_app
from webapp.demo_setup import ensure_demo_accounts
from tests.webapp_fixtures import login

store, path, url, field, user = sys.argv[1:6]
app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp(), "STORE": store,
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SECRET_KEY": "t"})
ensure_demo_accounts(app)
client = login(app.test_client(), user)
data = open(path, "rb").read()
response = client.post(url, data={field: (io.BytesIO(data), "泰安数据.xlsx")},
                       content_type="multipart/form-data")
print(json.dumps({"status": response.status_code, "html": response.get_data(as_text=True)}))
"""

_WRAPPER = (
    "import resource, subprocess, sys; "
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def run_measured(
    command: list[str], env: dict | None = None, timeout: float = 300
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``command`` in a process of its own; return the result, its peak memory (MiB) and the
    wall seconds it took. The last line of the result's ``stderr`` is the peak in KiB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=timeout,
    )
    seconds = time.perf_counter() - started
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return done, peak_kib / 1024, seconds
