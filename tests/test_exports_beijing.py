"""Exports speak Beijing time and name people (issue 12, point 6): the audit export and the full
export write the time in Asia/Shanghai and the person's display name next to the account id,
while the full export stays a data folder that imports back unchanged. A partnership's ``since``
is the Beijing date of its approval."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from graph_schema.store.base import AuditEntry, GroupMember
from tests.webapp_fixtures import login
from webapp.admin.audit_trail import audit_csv, local_time
from webapp.cli import main

from .test_letter_records import _free_village_and_orgs
from .test_officer_documents import _store

#: 07:30 on 2 December in Beijing, still 1 December in UTC
LATE_EVENING_UTC = "2026-12-01T23:30:00+00:00"
OFFICER_NAME = "泰安市民政局 张干部"  # the demo officer's display name (webapp/demo_setup.py)


def _approved_late_in_the_evening_utc(app) -> tuple[str, list[str]]:
    village_id, orgs = _free_village_and_orgs(app)
    _store(app).approve_group(
        village_id,
        [GroupMember(orgs[0], "lead"), GroupMember(orgs[1], "member")],
        actor="officer:officer",
        at=LATE_EVENING_UTC,
    )
    return village_id, orgs


def test_since_is_the_beijing_date_of_the_approval(app):
    village_id, _orgs = _approved_late_in_the_evening_utc(app)
    rows = _store(app).query("partnerships", {"village_id": village_id})
    assert set(rows["approved_at"]) == {LATE_EVENING_UTC}  # stored as it happened, in UTC
    assert set(rows["since"]) == {"2026-12-02"}  # not the UTC date, 2026-12-01


def test_one_second_before_midnight_in_beijing_is_still_the_day_before(app):
    village_id, orgs = _free_village_and_orgs(app, 1)
    _store(app).approve_group(
        village_id, [GroupMember(orgs[0], "lead")], "officer:officer", at="2026-12-01T15:59:59Z"
    )
    rows = _store(app).query("partnerships", {"village_id": village_id})
    assert list(rows["since"]) == ["2026-12-01"]


def test_the_audit_export_writes_beijing_time_and_the_persons_name(app):
    entry = AuditEntry(41, LATE_EVENING_UTC, "officer:officer", "export", "x.xlsx", None, None)
    with app.test_request_context():
        from webapp.people_time import person

        text = "".join(audit_csv(iter([entry]), app.config.get("TIMEZONE"), person))
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    by_column = dict(zip(header, row, strict=True))
    assert by_column["时间（北京时间）"] == "2026-12-02 07:30:00"
    assert by_column["操作人"] == OFFICER_NAME and by_column["账号"] == "officer:officer"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_audit_download_names_people_and_keeps_their_account(client, app, fmt):
    store = _store(app)
    store.append_audit("officer:officer", "beijing_export_check", "V1", None, {"n": 1})
    (entry,) = store.audit_log(action="beijing_export_check", limit=1)
    response = login(client, "admin").get(f"/admin/audit.{fmt}?action=beijing_export_check")
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    else:
        rows = list(
            load_workbook(io.BytesIO(response.data))["审计记录"].iter_rows(values_only=True)
        )
    shown = dict(zip(rows[0], rows[1], strict=True))
    assert shown["时间（北京时间）"] == local_time(entry.at, "Asia/Shanghai")
    assert shown["操作人"] == OFFICER_NAME and shown["账号"] == "officer:officer"


def _partnership_rows(workbook: bytes, village_id: str) -> list[dict]:
    sheet = load_workbook(io.BytesIO(workbook))["partnerships"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == village_id]


def test_the_full_export_names_the_approver_and_imports_back_unchanged(client, app, tmp_path):
    village_id, orgs = _approved_late_in_the_evening_utc(app)
    data = login(client, "admin").get("/admin/export.xlsx").data
    rows = _partnership_rows(data, village_id)
    assert {r["org_id"] for r in rows} == set(orgs)
    for row in rows:
        # the contract's columns as stored (an import reads them) ...
        assert row["since"] == "2026-12-02" and row["approved_by"] == "officer:officer"
        assert row["approved_at"] == LATE_EVENING_UTC
        # ... and, for people, the name and Beijing time
        assert (
            row["批准人"] == OFFICER_NAME and row["批准时间（北京时间）"] == "2026-12-02 07:30:00"
        )
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    before = _store(app).load_dataset()
    store_location = app.extensions["baotuan_settings"].store
    assert main(["import", str(path), "--store", store_location, "--actor", "admin:t"]) == 0
    report = _store(app).audit_log(action="import", limit=1)[0].after
    assert report is not None and sum(report["changed"].values()) == 0, report
    assert _store(app).load_dataset().equals(before, extra=True)


def test_the_command_line_export_names_the_approver_from_the_site(app, tmp_path, monkeypatch):
    village_id, _orgs = _approved_late_in_the_evening_utc(app)
    settings = app.extensions["baotuan_settings"]
    monkeypatch.setenv("BAOTUAN_DATABASE_URL", settings.database_url)  # the site's accounts
    out = tmp_path / "cli-export.xlsx"
    assert main(["export", str(out), "--store", settings.store]) == 0
    (row, _other) = _partnership_rows(out.read_bytes(), village_id)
    assert row["批准人"] == OFFICER_NAME and row["approved_by"] == "officer:officer"
    assert row["批准时间（北京时间）"] == "2026-12-02 07:30:00"
