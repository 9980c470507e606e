"""Data imports from the site (数据导入) and the download of everything stored (xlsx).

An upload is validated whole against the data contract and what is already stored, then imported
in one transaction; a refusal lists every problem as ``file:line: column: what`` and stores
nothing of the data (only an ``import_refused`` entry in the audit trail says it was tried).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema.contract.interchange import read_data, write_xlsx
from graph_schema.errors import ValidationError

from ..extensions import get_store
from ..organization.forms import problem_text
from .audit_trail import local_time
from .blueprint import bp
from .downloads import account_names, dated_name, xlsx_download
from .labels import TABLE_LABELS
from .uploads import save_upload

__all__: list[str] = []

#: how many problems a refusal shows on the page (the count says how many there are)
SHOWN_PROBLEMS = 500


def _recent_imports(limit: int = 10):
    store = get_store()
    entries = store.audit_log(limit=limit, action="import")
    entries += store.audit_log(limit=limit, action="import_refused")
    return sorted(entries, key=lambda e: e.seq, reverse=True)[:limit]


def _render(status_code: int = 200, **extra):
    zone = current_app.config.get("TIMEZONE")
    context = {
        "recent": _recent_imports(),
        "local_time": lambda at: local_time(at, zone),
        "problems": None,
        "problem_total": 0,
        "report": None,
        "shown_problems": SHOWN_PROBLEMS,
        "counts": get_store().counts(),
        "TABLE_LABELS": TABLE_LABELS,
    }
    context.update(extra)
    return render_template("admin/imports.html", **context), status_code


@bp.get("/imports")
def imports():
    return _render()


@bp.post("/imports")
def upload_import():
    upload = request.files.get("data")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的文件（.xlsx 工作簿或 CSV 文件的 .zip 压缩包）"), "error")
        return _render(400)
    store = get_store()
    actor = current_user.actor
    with tempfile.TemporaryDirectory(prefix="baotuan-upload-") as tmp:
        name = upload.filename
        try:
            path, name = save_upload(upload.stream, upload.filename, Path(tmp))
            dataset = read_data(path, known_ids=store.known_ids())
        except ValidationError as exc:
            store.append_audit(
                actor,
                "import_refused",
                f"upload:{name}",
                None,
                {"problems": exc.total, "first": [str(p) for p in exc.problems[:20]]},
            )
            flash(
                _("导入被拒绝：发现 %(n)s 个问题，没有写入任何数据。", n=f"{exc.total:,}"), "error"
            )
            # in the visitor's language, with file and line (only those shown are translated)
            shown = [problem_text(p) for p in exc.problems[:SHOWN_PROBLEMS]]
            return _render(422, problems=shown, problem_total=exc.total, upload_name=name)
        report = store.import_dataset(dataset, actor=actor, source=f"upload:{name}")
    flash(
        _(
            "已导入 %(name)s：读取 %(rows)d 行，新增或修改 %(changed)d 行。",
            name=name,
            rows=sum(report.rows.values()),
            changed=report.total_changed,
        ),
        "success",
    )
    return _render(200, report=report, upload_name=name)


@bp.get("/export.xlsx")
def export_xlsx():
    store = get_store()
    name = dated_name("baotuan-export", "xlsx")
    dataset = store.load_dataset()
    store.append_audit(current_user.actor, "export", name, None, {"rows": dataset.counts()})
    names = account_names(dataset)  # 批准人 by display name next to the account id
    return xlsx_download(lambda path: write_xlsx(dataset, path, names=names), name)
