"""帮扶台账 from a spreadsheet on the organization's page: ``activities.csv`` and
``activity_volunteers.csv`` (../shared/DATA_FORMAT.md), or one ``.xlsx`` with both sheets.

The files are read as the contract reads them (:func:`graph_schema.contract.interchange.read_raw`)
and checked whole (:func:`graph_schema.contract.validation.validate_tables`, with the store's ids
so hours may refer to activities stored earlier); on top, only the organization's own rows are
accepted: an empty ``org_id`` means this organization, another one is refused, an activity must
be in a village the organization supports now, hours only for its own volunteers and its own
activities. Every problem is ``file:line: column: what is wrong``; with any problem nothing is
stored, else one ``import_dataset`` transaction stores it all (audited as an import).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema import Dataset, Problem, ValidationError
from graph_schema.contract.interchange import read_raw
from graph_schema.contract.limits import VOLUNTEER_UPLOAD_LIMITS
from graph_schema.contract.validation import line_numbers, validate_tables
from graph_schema.contract.xlsx_templates import activity_template as ledger_template
from graph_schema.store.base import ImportReport

from ..accounts.access import role_required
from ..admin.downloads import send_xlsx
from ..extensions import get_store
from ..services.activities import import_ledger
from .data import rows, rows_in
from .forms import problem_text
from .views import _activities_page, _own_org_id, bp
from .volunteers import read_csv_as

__all__ = [
    "LEDGER_TABLES",
    "read_activity_files",
    "checked_activities",
    "import_activities",
    "run_upload",
]

#: the two files of the ledger, in the order they are read
LEDGER_TABLES = ("activities", "activity_volunteers")


def _table_of(name: str, data: bytes) -> str:
    """Which ledger file a CSV is: by its name, else by its header (hours → volunteers' hours).

    Examples
    --------
    >>> _table_of("活动.csv", b"activity_id,volunteer_id,hours\\n"), _table_of("a.csv", b"x")
    ('activity_volunteers', 'activities')
    """
    header = data.split(b"\n", 1)[0].lower()
    if "volunteer" in name.lower() or b"hours" in header:
        return "activity_volunteers"
    return "activities"


def read_activity_files(
    files: Sequence[tuple[str, bytes]], folder: Path
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    """The raw ledger tables of the uploaded files, how problems name them, and read problems."""
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    limit = VOLUNTEER_UPLOAD_LIMITS.max_rows
    for filename, data in files:
        name = Path(filename or "upload").name
        lower = name.lower()
        if lower.endswith((".xlsx", ".xlsm")):
            path = folder / "upload.xlsx"
            path.write_bytes(data)
            got, got_labels, got_problems = read_raw(path, VOLUNTEER_UPLOAD_LIMITS)
            found = [t for t in LEDGER_TABLES if t in got]
            for table in found:
                tables[table] = got[table]
                labels[table] = got_labels[table].replace("upload.xlsx", name)
            problems += [Problem(name, p.line, p.column, p.message) for p in got_problems]
            if not found and not got_problems:
                problems.append(Problem(name, 0, "", _("没有 activities 工作表")))
        elif lower.endswith((".csv", ".txt")):
            if data.count(b"\n") > limit:  # counted before pandas reads a line
                problems.append(Problem(name, 0, "", _("超过 %(n)s 行", n=f"{limit:,}")))
                continue
            table = _table_of(name, data)
            frame, got_problems = read_csv_as(folder, table, name, data)
            if frame is not None:
                tables[table], labels[table] = frame, name
            problems += got_problems
        else:
            problems.append(Problem(name, 0, "", _("不是 CSV 或 XLSX 文件")))
    if not tables and not problems:
        problems.append(Problem("upload", 0, "", _("没有找到帮扶活动表（activities）")))
    return tables, labels, problems


def _cells(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _own_rows_problems(
    org_id: str, tables: dict[str, pd.DataFrame], labels: dict[str, str]
) -> list[Problem]:
    """Rows that are not this organization's to record, each named by file and line."""
    problems: list[Problem] = []
    acts = tables.get("activities")
    uploaded: set[str] = set()
    if acts is not None:
        label = labels.get("activities", "activities.csv")
        lines = line_numbers(acts)
        supported = set(rows("partnerships", org_id=org_id)["village_id"])
        ids = _cells(acts, "activity_id")
        uploaded = set(ids)
        stored = rows_in("activities", "activity_id", sorted(uploaded - {""}))
        others = dict(zip(stored["activity_id"], stored["org_id"], strict=True))
        for line, aid, org, village in zip(
            lines, ids, _cells(acts, "org_id"), _cells(acts, "village_id"), strict=True
        ):
            if org != org_id:
                what = _("只能导入本组织（%(org)s）的活动，不能是 %(value)s", org=org_id, value=org)
                problems.append(Problem(label, int(line), "org_id", what))
            if village and village not in supported:
                what = _("%(value)s 不是本组织正在帮扶的村", value=village)
                problems.append(Problem(label, int(line), "village_id", what))
            if others.get(aid, org_id) != org_id:
                what = _("编号 %(value)s 已是其他组织的活动", value=aid)
                problems.append(Problem(label, int(line), "activity_id", what))
    hours = tables.get("activity_volunteers")
    if hours is not None:
        label = labels.get("activity_volunteers", "activity_volunteers.csv")
        mine = set(rows("volunteers", org_id=org_id)["volunteer_id"])
        aids = _cells(hours, "activity_id")
        stored = rows_in("activities", "activity_id", sorted(set(aids) - uploaded - {""}))
        own_stored = set(stored.loc[stored["org_id"] == org_id, "activity_id"])
        foreign = set(stored["activity_id"]) - own_stored
        for line, aid, vid in zip(
            line_numbers(hours), aids, _cells(hours, "volunteer_id"), strict=True
        ):
            if vid and vid not in mine:
                what = _("%(value)s 不是本组织的志愿者", value=vid)
                problems.append(Problem(label, int(line), "volunteer_id", what))
            if aid in foreign:
                what = _("活动 %(value)s 不是本组织的", value=aid)
                problems.append(Problem(label, int(line), "activity_id", what))
    return problems


def checked_activities(org_id: str, files: Sequence[tuple[str, bytes]]) -> Dataset:
    """The uploaded ledger of ``org_id`` read and checked whole, ready to import.

    Raises
    ------
    ValidationError
        With every problem found (file, line, column, what is wrong).
    """
    with tempfile.TemporaryDirectory() as tmp:
        tables, labels, problems = read_activity_files(files, Path(tmp))
    if problems:
        raise ValidationError(problems)
    if "activities" in tables:
        acts = tables["activities"].copy()
        acts["org_id"] = _cells(acts, "org_id").where(_cells(acts, "org_id") != "", org_id)
        tables["activities"] = acts
    problems = _own_rows_problems(org_id, tables, labels)
    omitted = 0
    try:
        dataset = validate_tables(tables, labels, get_store().known_ids(), require_all=False)
    except ValidationError as exc:
        problems += exc.problems
        omitted = exc.total - len(exc.problems)
    if problems:
        raise ValidationError(problems, total=len(problems) + omitted)
    return Dataset({t: dataset[t] for t in LEDGER_TABLES if t in tables})


def import_activities(org_id: str, files: Sequence[tuple[str, bytes]], actor: str) -> ImportReport:
    """Check and import an organization's ledger spreadsheet in one transaction, all or nothing.

    Raises
    ------
    ValidationError
        See :func:`checked_activities`; nothing is stored.
    """
    upload = checked_activities(org_id, files)
    return import_ledger(org_id, upload, [n for n, _d in files], actor)


@bp.get("/activities/template.xlsx")
@role_required("organization")
def activity_template():
    """The Excel template of the two ledger sheets, services from a drop-down."""
    return send_xlsx(ledger_template(), "activities-template.xlsx")


def run_upload(run_import, page):
    """The uploaded files of a spreadsheet form imported by ``run_import(files)``: its report,
    or the answer to send — ``page(status=400, problems=...)`` with every problem listed (at
    most 200) when the files are missing or refused whole."""
    files = [
        (f.filename or "upload", f.read())
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    if not files:
        flash(_("请选择要导入的文件"), "error")
        return page(status=400)
    try:
        return run_import(files)
    except ValidationError as exc:
        flash(
            _("文件有 %(n)s 处问题，未导入任何数据（全部导入或全部不导入）", n=f"{exc.total:,}"),
            "error",
        )
        return page(status=400, problems=[problem_text(p) for p in exc.problems[:200]])


@bp.post("/activities/upload")
@role_required("organization")
def activity_upload():
    org_id = _own_org_id()
    report = run_upload(
        lambda files: import_activities(org_id, files, current_user.actor), _activities_page
    )
    if not isinstance(report, ImportReport):
        return report
    flash(
        _(
            "已导入 %(a)s 次活动、%(h)s 条志愿服务记录",
            a=report.rows.get("activities", 0),
            h=report.rows.get("activity_volunteers", 0),
        ),
        "success",
    )
    return redirect(url_for("organization.activities"))
