"""Volunteer hours from the ledger and the 志愿服务时长证明 an organization prints (issue 15)."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from tests.webapp_fixtures import login

__all__: list[str] = []


@pytest.fixture
def signed_in(client, app):
    """The test client signed in as the organization account ``org``, and that org's id."""
    with app.app_context():
        from webapp.accounts.models import find_by_username

        account = find_by_username("org")
    assert account is not None
    return login(client, "org"), account["org_id"]


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "hours.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _record(store, org_id: str, village_id: str, other_org: str) -> None:
    """Two activities of the organization (May and June 2026) and one of another organization."""
    store.upsert_rows(
        "volunteers",
        pd.DataFrame(
            {
                "volunteer_id": ["T-P1"],
                "name": ["时长测试员"],
                "lat": [36.2],
                "lon": [117.1],
                "hours_per_month": [30.0],
                "org_id": [org_id],
            }
        ),
        actor="test",
    )
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["T-A1", "T-A2", "T-A3", "T-A4"],
                "village_id": [village_id] * 4,
                "org_id": [org_id, org_id, other_org, org_id],
                "service": ["medical", "education", "medical", "medical"],
                "date": ["2026-05-03", "2026-06-10", "2026-06-11", "2025-12-30"],
            }
        ),
        actor="test",
    )
    store.upsert_rows(
        "activity_volunteers",
        pd.DataFrame(
            {
                "activity_id": ["T-A1", "T-A2", "T-A3", "T-A4"],
                "volunteer_id": ["T-P1"] * 4,
                "hours": [6.0, 4.5, 8.0, 2.0],
            }
        ),
        actor="test",
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_volunteer_hours_certificate_counts_the_organizations_own_activities(
    signed_in, app, tmp_path
):
    org_client, org_id = signed_in
    store = app.extensions["baotuan_store"]
    village = store.load_dataset()["villages"]["village_id"].iloc[0]
    orgs = store.query("organizations")
    other = orgs.loc[orgs["org_id"] != org_id, "org_id"].iloc[0]
    _record(store, org_id, village, other)
    page = org_client.get("/organization/volunteers").get_data(as_text=True)
    assert "/organization/volunteers/T-P1/hours.pdf" in page
    response = org_client.get("/organization/volunteers/T-P1/hours.pdf?year=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data, tmp_path)
    # 6 + 4.5 in 2026 by this organization; the other organization's 8 h and 2025's 2 h are not
    assert "时长测试员" in text and "10.5" in text
    assert "2026-05" in text and "2026-06" in text and "2025-12" not in text
    name = orgs.set_index("org_id").loc[org_id, "name"]
    assert name in text.replace("\n", "")


def test_another_organizations_volunteer_has_no_certificate_here(signed_in, app):
    org_client, org_id = signed_in
    store = app.extensions["baotuan_store"]
    vols = store.query("volunteers")
    other = vols.loc[vols["org_id"].notna() & (vols["org_id"] != org_id), "volunteer_id"].iloc[0]
    assert org_client.get(f"/organization/volunteers/{other}/hours.pdf").status_code == 404
    assert org_client.get("/organization/volunteers/NOBODY/hours.pdf").status_code == 404


def test_hours_per_county_and_service_count_person_times(app):
    from tests.test_store_activities import ledger_world
    from webapp.organization.hours import hours_by_county_service

    table = hours_by_county_service(ledger_world(), year=2026)
    assert table.to_dict("records") == [
        {"county": "泰山区", "service": "medical", "person_times": 2, "hours": 10.5},
        {"county": "肥城市", "service": "education", "person_times": 1, "hours": 3.0},
    ]
