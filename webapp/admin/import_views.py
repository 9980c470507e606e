"""Data imports from the site (数据导入) and the download of everything stored (xlsx).

An upload is validated whole against the data contract and what is already stored; a refusal
lists every problem as ``file:line: column: what`` and keeps nothing (only an ``import_refused``
entry in the audit trail says it was tried). A valid upload is kept in the site database and
previewed — per table the rows added, changed and removed, the partnerships and the issued
letters it touches — and applied only when an admin confirms it, while the store is still as it
was previewed (else the preview is computed again and shown). With a job queue the confirmed
import runs on ``baotuan worker`` and its page follows it; without one it runs in the request.
See docs/imports.md and :mod:`webapp.admin.import_flow`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from graph_schema.contract.interchange import write_xlsx
from graph_schema.errors import ValidationError

from .. import current_settings
from ..extensions import get_store
from ..jobs import JobError, cancel_job, job_alive, job_queue, submit
from ..jobs.import_job import IMPORT_TIMEOUT, execute_import
from ..organization.forms import problem_text
from ..sitedb import get_session
from ..sitedb.models_imports import ImportUpload
from .audit_trail import local_time
from .blueprint import bp
from .downloads import account_names, dated_name, xlsx_download
from .import_flow import compute_preview, read_upload, store_versions
from .labels import TABLE_LABELS
from .operations import (
    audit_export,
    audit_refused_import,
    claim,
    expire_uploads,
    keep_upload,
    set_upload_versions,
)
from .uploads import safe_name

__all__: list[str] = []

#: how many problems a refusal shows on the page (the count says how many there are)
SHOWN_PROBLEMS = 500
#: how many ids a preview lists per table and kind of change
PREVIEW_IDS = 20


def _recent_imports(limit: int = 10):
    store = get_store()
    entries = store.audit_log(limit=limit, action="import")
    entries += store.audit_log(limit=limit, action="import_refused")
    return sorted(entries, key=lambda e: e.seq, reverse=True)[:limit]


def _uploads(limit: int = 10) -> list[ImportUpload]:
    query = select(ImportUpload).order_by(ImportUpload.id.desc()).limit(limit)
    return list(get_session().scalars(query))


def _context(**extra) -> dict:
    zone = current_app.config.get("TIMEZONE")
    context = {
        "local_time": lambda at: local_time(at, zone),
        "TABLE_LABELS": TABLE_LABELS,
        "preview_ids": PREVIEW_IDS,
    }
    context.update(extra)
    return context


def _render(status_code: int = 200, **extra):
    context = _context(
        recent=_recent_imports(),
        uploads=_uploads(),
        problems=None,
        problem_total=0,
        shown_problems=SHOWN_PROBLEMS,
        counts=get_store().counts(),
    )
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
    session = get_session()
    expire_uploads(session)
    actor = current_user.actor
    data = upload.stream.read()
    versions = store_versions(store)  # before reading: a change meanwhile forces a new preview
    name = safe_name(upload.filename)
    try:
        dataset, name = read_upload(store, upload.filename, data, current_settings().read_limits)
    except ValidationError as exc:
        audit_refused_import(store, actor, name, exc.total, [str(p) for p in exc.problems[:20]])
        flash(_("导入被拒绝：发现 %(n)s 个问题，没有写入任何数据。", n=f"{exc.total:,}"), "error")
        # in the visitor's language, with file and line (only those shown are translated)
        shown = [problem_text(p) for p in exc.problems[:SHOWN_PROBLEMS]]
        return _render(422, problems=shown, problem_total=exc.total, upload_name=name)
    row = keep_upload(session, actor, name, data, versions)
    preview = compute_preview(store, dataset, actor)
    return _preview_page(row, preview, 200)


def _preview_page(row: ImportUpload, preview, status_code: int, changed_meanwhile=False):
    html = render_template(
        "admin/imports_preview.html",
        **_context(upload=row, preview=preview, changed_meanwhile=changed_meanwhile),
    )
    return html, status_code


def _gone(row: ImportUpload | None):
    """A clear page for an unknown, used, cancelled or expired token."""
    if row is None:
        message, code = _("没有这个导入预览（链接有误或已被删除）。"), 404
    elif row.status == "expired":
        message, code = _("这个导入预览已过期，文件已删除。请重新上传。"), 410
    elif row.status == "cancelled":
        message, code = _("这个导入已取消，文件已删除。请重新上传。"), 410
    else:
        message, code = _("这个导入已确认过，不能再次确认。"), 409
    html = render_template("admin/imports_gone.html", **_context(message=message, upload=row))
    return html, code


def _find(token: str) -> ImportUpload | None:
    session = get_session()
    expire_uploads(session)
    return session.scalars(select(ImportUpload).where(ImportUpload.token == token)).first()


def _repreview(row: ImportUpload):
    """Read the kept upload again and preview it on the store as it is now."""
    store = get_store()
    versions = store_versions(store)
    try:
        dataset, _name = read_upload(store, row.file_name, row.data, current_settings().read_limits)
    except ValidationError as exc:  # a stored id it refers to is gone since
        session = get_session()
        claim(session, row.id, "pending", "failed", error=str(exc)[:2000], data=b"")
        flash(_("导入被拒绝：发现 %(n)s 个问题，没有写入任何数据。", n=f"{exc.total:,}"), "error")
        shown = [problem_text(p) for p in exc.problems[:SHOWN_PROBLEMS]]
        return None, _render(
            422, problems=shown, problem_total=exc.total, upload_name=row.file_name
        )
    return (dataset, versions), compute_preview(store, dataset, row.actor)


@bp.get("/imports/<token>")
def import_upload(token: str):
    row = _find(token)
    if row is None or row.status in ("expired", "cancelled"):
        return _gone(row)
    if row.status == "pending":
        read, preview = _repreview(row)
        if read is None:
            return preview
        return _preview_page(row, preview, 200)
    _notice_dead_worker(row)
    report = json.loads(row.report_json) if row.report_json else None
    html = render_template("admin/imports_status.html", **_context(upload=row, report=report))
    return html, 200


def _notice_dead_worker(row: ImportUpload) -> None:
    """A queued or running import whose job is gone (its worker killed) is marked failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if row.status not in ("queued", "running") or not row.job_id or job_queue(app) is None:
        return
    if not job_alive(app, row.job_id):
        session = get_session()
        error = _(
            "执行导入的 worker 已停止。导入是一个事务：库中数据要么未改变，要么已完整导入，请查看最近的导入记录。"
        )
        claim(session, row.id, row.status, "failed", error=error, progress=None)
        session.refresh(row)


@bp.post("/imports/<token>/confirm")
def confirm_import(token: str):
    row = _find(token)
    if row is None or row.status != "pending":
        return _gone(row)
    session = get_session()
    store = get_store()
    if store_versions(store) != row.store_versions:
        read, preview = _repreview(row)
        if read is None:
            return preview
        set_upload_versions(session, row, read[1])
        return _preview_page(row, preview, 409, changed_meanwhile=True)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    if not claim(
        session,
        row.id,
        "pending",
        "queued",
        confirmed_by=current_user.actor,
        confirmed_at=at,
        job_id=f"import-{row.id}",
        progress="排队等待执行",
    ):
        return _gone(session.get(ImportUpload, row.id))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if job_queue(app) is None:
        execute_import(app, row.id)  # in this request, as before the queue existed
    else:
        try:
            submit(
                app,
                "webapp.jobs.import_job.execute_import",
                (row.id,),
                job_id=f"import-{row.id}",
                timeout=IMPORT_TIMEOUT,
            )
        except JobError as exc:
            claim(session, row.id, "queued", "pending", progress=None)
            flash(_("任务队列暂时不可用，导入没有执行：%(e)s", e=str(exc)), "error")
            return redirect(url_for("admin.import_upload", token=token))
    return redirect(url_for("admin.import_upload", token=token))


@bp.post("/imports/<token>/cancel")
def cancel_import(token: str):
    row = _find(token)
    if row is None or row.status not in ("pending", "queued"):
        return _gone(row)
    session = get_session()
    was = row.status
    if not claim(session, row.id, was, "cancelled", data=b"", progress=None):
        return _gone(session.get(ImportUpload, row.id))  # started (or cancelled) meanwhile
    if was == "queued" and row.job_id:
        cancel_job(current_app._get_current_object(), row.job_id)  # type: ignore[attr-defined]
    flash(_("已取消导入 %(name)s，没有写入任何数据。", name=row.file_name), "success")
    return redirect(url_for("admin.imports"))


@bp.get("/export.xlsx")
def export_xlsx():
    store = get_store()
    name = dated_name("baotuan-export", "xlsx")
    dataset = store.load_dataset()
    audit_export(store, current_user.actor, name, dataset.counts())
    names = account_names(dataset)  # 批准人 by display name next to the account id
    return xlsx_download(lambda path: write_xlsx(dataset, path, names=names), name)
