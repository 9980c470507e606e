"""The audit trail (审计记录): filter by action, actor and date, page, export as CSV or XLSX."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user

from ..extensions import get_store
from ..people_time import person
from ..services.events import record_event
from .audit_trail import (
    AuditFilter,
    as_json,
    audit_csv,
    audit_page,
    audit_xlsx,
    changes,
    iter_audit,
    local_time,
)
from .blueprint import bp
from .downloads import dated_name, xlsx_download
from .labels import ACTION_LABELS, action_label

__all__: list[str] = []


def _filter() -> AuditFilter:
    return AuditFilter.from_args(request.args, current_app.config.get("TIMEZONE"))


@bp.get("/audit")
def audit():
    flt = _filter()
    number = request.args.get("page", 1, type=int) or 1
    page = audit_page(get_store(), flt, number, current_app.config.get("PAGE_SIZE", 50))
    return render_template(
        "admin/audit.html",
        page=page,
        flt=flt,
        args=flt.query(),
        actions=ACTION_LABELS,
        action_label=action_label,
        local_time=lambda at: local_time(at, flt.zone),
        changes=changes,
        as_json=as_json,
    )


@bp.get("/audit.<fmt>")
def audit_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    flt = _filter()
    store = get_store()
    # Who took a copy of the trail is itself on record.
    record_event(store, current_user.actor, "export_audit", f"audit.{fmt}", flt.query() or None)
    name = dated_name("baotuan-audit", fmt)
    # 操作人 by display name (looked up once per account per request), 账号 the account itself
    if fmt == "csv":
        body = stream_with_context(audit_csv(iter_audit(store, flt), flt.zone, person))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return xlsx_download(
        lambda path: audit_xlsx(iter_audit(store, flt), path, flt.zone, person), name
    )
