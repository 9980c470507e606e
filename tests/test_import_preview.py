"""An import through the site is previewed, then applied only when confirmed (issue 12 point 5),
and a confirmed import runs on ``baotuan worker`` when a queue is configured (issue 14 point 3)."""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from graph_schema.contract import read_data
from graph_schema.contract.dataset import Dataset, format_frame
from graph_schema.contract.diff import diff_datasets, upsert_result
from graph_schema.contract.tables import TABLES
from tests.support.import_steps import confirm, status_of, token_of, upload
from tests.webapp_fixtures import login

RENAMED = ["V000000", "V000001", "V000002"]
NEW = ["V900001", "V900002"]


@pytest.fixture(scope="module")
def sample(sample_dir) -> Dataset:
    return read_data(sample_dir)


def _changed_copy(sample: Dataset) -> Dataset:
    """The sample with 3 villages renamed, 2 added, 1 need's severity changed, 5 volunteers
    (and their skills) left out — rows an import keeps, since it only upserts."""
    tables = {name: sample[name].copy() for name in sample}
    villages = tables["villages"]
    villages.loc[villages["village_id"].isin(RENAMED), "name"] = ["甲村", "乙村", "丙村"]
    extra = villages.head(2).copy()
    extra["village_id"] = NEW
    extra["name"] = ["新甲村", "新乙村"]
    tables["villages"] = pd.concat([villages, extra], ignore_index=True)
    needs = tables["needs"]
    first = needs.index[0]
    needs.loc[first, "severity"] = 6 - int(needs.loc[first, "severity"])
    gone = set(tables["volunteers"]["volunteer_id"].tail(5))
    tables["volunteers"] = tables["volunteers"][~tables["volunteers"]["volunteer_id"].isin(gone)]
    skills = tables["volunteer_skills"]
    tables["volunteer_skills"] = skills[~skills["volunteer_id"].isin(gone)]
    return Dataset(tables)


def _zip(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, spec in TABLES.items():
            zf.writestr(spec.filename, format_frame(spec, dataset[name]).to_csv(index=False))
    return buffer.getvalue()


def _store(app):
    return app.extensions["baotuan_store"]


def _uploads(app):
    from webapp.sitedb import get_session
    from webapp.sitedb.models_imports import ImportUpload

    with app.app_context():
        return list(get_session().scalars(select(ImportUpload).order_by(ImportUpload.id)))


@pytest.fixture
def admin(client):
    login(client, "admin")
    return client


# -- the diff itself ---------------------------------------------------------------------------
def test_the_diff_counts_added_changed_and_an_upsert_removes_nothing(sample):
    upload_ds = _changed_copy(sample)
    diff = diff_datasets(sample, upsert_result(sample, upload_ds))
    assert diff["villages"].counts() == (2, 3, 0)
    assert sorted(k[0] for k in diff["villages"].added_keys()) == NEW
    assert sorted(k[0] for k in diff["villages"].changed_keys()) == RENAMED
    assert diff["villages"].column_counts() == {"name": 3}
    assert diff["needs"].counts() == (0, 1, 0)
    assert diff["volunteers"].counts() == (0, 0, 0)  # left out of the upload: kept
    assert all(diff[n].empty for n in diff if n not in ("villages", "needs"))
    # against the upload itself, as a replacement would be, the five volunteers are removed
    assert diff_datasets(sample, upload_ds)["volunteers"].counts() == (0, 0, 5)


def test_an_empty_value_of_an_added_column_keeps_the_stored_one(sample):
    stored = upsert_result(sample, Dataset(), actor="admin:a", at="2026-01-01T00:00:00+00:00")
    again = upsert_result(stored, sample, actor="admin:b", at="2026-02-01T00:00:00+00:00")
    assert diff_datasets(stored, again).empty  # approved_by is not taken away by an import


# -- the site ----------------------------------------------------------------------------------
def test_the_preview_announces_exactly_what_confirming_applies(admin, app, sample, run_worker):
    store = _store(app)
    before = store.load_dataset()
    changed = _changed_copy(sample)
    response = upload(admin, _zip(changed), "改过的泰安.zip")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert store.load_dataset().equals(before, extra=True)  # the preview changed nothing
    assert '<tr data-table="villages">' in html
    row = html.split('<tr data-table="villages">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="added">2</td><td class="changed">3</td><td class="removed">0</td>' in row
    assert "V900001" in html and "甲村" in html and "易洼村" in html  # ids, old and new names
    [kept] = _uploads(app)
    assert kept.status == "pending" and kept.data and len(kept.sha256) == 64

    announced = upsert_result(before, changed)
    done = confirm(admin, token_of(response))
    assert status_of(done.get_data(as_text=True)) == "applied"
    after = store.load_dataset()
    assert after.equals(announced)  # what the preview said, nothing more
    diff = diff_datasets(before, after)
    assert (diff["villages"].counts(), diff["needs"].counts()) == ((2, 3, 0), (0, 1, 0))
    assert diff["volunteers"].empty
    [row_after] = _uploads(app)
    assert row_after.status == "applied" and row_after.data == b""  # bytes dropped, hash kept
    assert store.audit_log(action="import")[0].target == "upload:改过的泰安.zip"


def test_cancel_applies_nothing_and_the_token_is_then_refused(admin, app, sample):
    store = _store(app)
    before = store.load_dataset()
    token = token_of(upload(admin, _zip(_changed_copy(sample)), "取消.zip"))
    response = admin.post(f"/admin/imports/{token}/cancel", follow_redirects=True)
    assert response.status_code == 200 and "已取消导入" in response.get_data(as_text=True)
    assert store.load_dataset().equals(before, extra=True)
    [row] = _uploads(app)
    assert row.status == "cancelled" and row.data == b""
    again = admin.post(f"/admin/imports/{token}/confirm")
    assert again.status_code == 410 and "已取消" in again.get_data(as_text=True)
    assert store.load_dataset().equals(before, extra=True)


def test_an_expired_or_unknown_token_is_refused(admin, app, sample):
    from webapp.sitedb import get_session
    from webapp.sitedb.models_imports import ImportUpload

    store = _store(app)
    before = store.load_dataset()
    token = token_of(upload(admin, _zip(_changed_copy(sample)), "过期.zip"))
    with app.app_context():
        session = get_session()
        row = session.scalars(select(ImportUpload)).one()
        row.expires_at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
        session.commit()
    response = admin.post(f"/admin/imports/{token}/confirm")
    assert response.status_code == 410 and "已过期" in response.get_data(as_text=True)
    assert admin.get(f"/admin/imports/{token}").status_code == 410
    assert store.load_dataset().equals(before, extra=True)
    [row] = _uploads(app)
    assert row.status == "expired" and row.data == b""
    unknown = admin.post("/admin/imports/not-a-token/confirm")
    assert unknown.status_code == 404 and "没有这个导入预览" in unknown.get_data(as_text=True)


def test_a_store_changed_since_the_preview_is_previewed_again(admin, app, sample, run_worker):
    store = _store(app)
    token = token_of(upload(admin, _zip(_changed_copy(sample)), "并发.zip"))
    # meanwhile another admin renames a village the upload holds unchanged
    villages = store.query("villages", {"village_id": "V000003"})
    villages.loc[:, "name"] = "别人改的村"
    store.upsert_rows("villages", villages, actor="admin:other")
    moved = store.load_dataset()
    response = admin.post(f"/admin/imports/{token}/confirm")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="changed-meanwhile"' in html
    # the new preview shows that the upload would undo that renaming
    assert 'data-key="V000003"' in html and "别人改的村" in html
    assert store.load_dataset().equals(moved, extra=True)  # not applied
    done = confirm(admin, token)  # asked again, confirmed again: applied now
    assert status_of(done.get_data(as_text=True)) == "applied"
    after = store.load_dataset()
    assert after.equals(upsert_result(moved, _changed_copy(sample)))
    names = after["villages"].set_index("village_id")["name"]
    original = sample["villages"].set_index("village_id")["name"]
    assert names["V000003"] == original["V000003"] and names["V000000"] == "甲村"


def test_a_refused_upload_keeps_nothing(admin, app, sample):
    from webapp.sitedb import get_session
    from webapp.sitedb.models_imports import ImportUpload

    bad = _changed_copy(sample)
    tables = {name: bad[name] for name in bad}
    needs = tables["needs"].copy()
    needs.loc[needs.index[0], "village_id"] = "V404404"
    tables["needs"] = needs
    response = upload(admin, _zip(Dataset(tables)), "有错.zip")
    assert response.status_code == 422 and "V404404" in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(ImportUpload)) == 0


def test_a_preview_lists_the_issued_letters_it_touches_and_confirming_revokes_them(
    admin, app, sample, run_worker
):
    from webapp.services.letters import letter_in_force
    from webapp.sitedb import get_session

    store = _store(app)
    village, org = "V000276", "O001474"  # a partnership of the sample (the lead)
    with app.app_context():
        letter = letter_in_force(store, get_session(), village, org, app.config)
    tables = {name: sample[name].copy() for name in sample}
    links = tables["partnerships"]
    links.loc[(links["village_id"] == village) & (links["org_id"] == org), "role"] = "member"
    untouched = upload(admin, _zip(sample), "原样.zip").get_data(as_text=True)
    assert letter.reference not in untouched and "导入不会改变库中的任何数据" in untouched
    response = upload(admin, _zip(Dataset(tables)), "改帮扶.zip")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert f'data-partnership="{village}/{org}" data-kind="changed"' in html
    assert f'data-reference="{letter.reference}"' in html and "将出具撤销记录" in html
    done = confirm(admin, token_of(response)).get_data(as_text=True)
    assert status_of(done) == "applied" and 'id="revoked"' in done
    records = store.issued_letters(village_id=village, org_id=org)
    assert [r.revokes for r in records if r.kind == "revocation"] == [letter.reference]
    assert store.issued_letters(reference=letter.reference)[0].pdf == letter.pdf  # unchanged


# -- on the queue ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_confirmed_import_is_executed_by_a_worker(tmp_path, seeded_store_file, sample):
    base = os.environ.get("BAOTUAN_TEST_REDIS_URL")
    if not base:
        pytest.skip("no Redis for tests: BAOTUAN_TEST_REDIS_URL is not set")
    from tests.support.queue_worker import JobWorker, fresh_redis_url
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store_file = tmp_path / "baotuan.sqlite"
    shutil.copy(seeded_store_file, store_file)
    redis_url = fresh_redis_url(base)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path),
            "STORE": str(store_file),
            "REDIS_URL": redis_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test",
        }
    )
    ensure_demo_accounts(app)
    client = app.test_client()
    login(client, "admin")
    before = _store(app).load_dataset()
    changed = _changed_copy(sample)
    token = token_of(upload(client, _zip(changed), "队列.zip"))
    queued = client.post(f"/admin/imports/{token}/confirm", follow_redirects=True)
    assert status_of(queued.get_data(as_text=True)) == "queued"  # nobody works the queue yet
    assert _store(app).load_dataset().equals(before, extra=True)
    settings = app.extensions["baotuan_settings"]
    worker = JobWorker(
        settings.instance,
        settings.store,
        redis_url,
        env={
            "BAOTUAN_DATABASE_URL": settings.database_url,
            "BAOTUAN_SECRET_KEY": settings.ensure_secret_key(),
        },
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            done = client.get(f"/admin/imports/{token}")
            if status_of(done.get_data(as_text=True)) not in ("queued", "running"):
                break
            assert time.monotonic() < deadline, "the worker did not apply the import"
            time.sleep(0.3)
    finally:
        worker.stop()
    html = done.get_data(as_text=True)
    assert status_of(html) == "applied", html[:3000]
    assert 'id="report"' in html
    assert _store(app).load_dataset().equals(upsert_result(before, changed))
    listing = client.get("/admin/imports").get_data(as_text=True)
    assert 'data-status="applied"' in listing
    _store(app).close()


# -- limits come from the settings -------------------------------------------------------------
def test_the_command_line_reads_with_the_limits_of_its_settings(tmp_path, monkeypatch, capsys):
    from graph_schema.contract.interchange import write_xlsx
    from webapp.cli import main

    villages = pd.DataFrame(
        {
            "village_id": ["V1", "V2", "V3"],
            "name": ["甲村", "乙村", "丙村"],
            "county": ["泰山区"] * 3,
            "lat": [36.2] * 3,
            "lon": [117.1] * 3,
        }
    )
    book = tmp_path / "三个村.xlsx"
    write_xlsx(Dataset({"villages": villages}), book)
    store = str(tmp_path / "store.sqlite")
    monkeypatch.setenv("BAOTUAN_MAX_SHEET_ROWS", "3")  # a header and two villages
    assert main(["import", str(book), "--instance", str(tmp_path), "--store", store]) == 1
    assert "more than 3 rows" in capsys.readouterr().err
    monkeypatch.delenv("BAOTUAN_MAX_SHEET_ROWS")
    assert main(["import", str(book), "--instance", str(tmp_path), "--store", store]) == 0


def test_a_confirmed_import_waits_on_the_queue_the_settings_name(
    tmp_path, seeded_store_file, sample
):
    base = os.environ.get("BAOTUAN_TEST_REDIS_URL")
    if not base:
        pytest.skip("no Redis for tests: BAOTUAN_TEST_REDIS_URL is not set")
    from rq import Queue

    from tests.support.queue_worker import fresh_redis_url
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts
    from webapp.jobs import redis_connection
    from webapp.settings import Settings

    store_file = tmp_path / "baotuan.sqlite"
    shutil.copy(seeded_store_file, store_file)
    redis_url = fresh_redis_url(base)
    settings = Settings.from_env(
        {"BAOTUAN_QUEUE_NAME": "site-b", "BAOTUAN_REDIS_URL": redis_url},
        instance=tmp_path,
        store=str(store_file),
        secret_key="test",
    )
    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    ensure_demo_accounts(app)
    client = app.test_client()
    login(client, "admin")
    token = token_of(upload(client, _zip(_changed_copy(sample)), "b.zip"))
    client.post(f"/admin/imports/{token}/confirm")
    [row] = _uploads(app)
    connection = redis_connection(redis_url)
    assert Queue("site-b", connection=connection).job_ids == [row.job_id]
    assert Queue("baotuan", connection=connection).job_ids == []
    cancelled = client.post(f"/admin/imports/{token}/cancel", follow_redirects=True)
    assert "已取消导入" in cancelled.get_data(as_text=True)  # taken off the queue while waiting
    assert Queue("site-b", connection=connection).job_ids == []
    app.extensions["baotuan_store"].close()
