"""Officer pages through Flask's test client: access by role, filters and paging, detail pages."""

from __future__ import annotations

import re

import pytest

from tests.webapp_fixtures import login

PAGES = (
    "/officer/",
    "/officer/villages",
    "/officer/villages/V000276",
    "/officer/organizations",
    "/officer/organizations/O001474",
    "/officer/matching",
    "/officer/partnerships",
    "/officer/letters/V000276/O001474",
)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _village_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-village="([^"]+)"', html)


@pytest.mark.parametrize("username", ["org", "reviewer"])
def test_other_roles_get_403_on_every_officer_page(client, username):
    login(client, username)
    for url in PAGES + ("/officer/letters/V000276/O001474.pdf", "/officer/docking/东平县.xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post("/officer/matching/runs").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/officer/villages")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["officer", "admin"])
def test_officers_and_admins_open_every_page(client, username):
    login(client, username)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in _text(response)  # the CSP forbids inline scripts


def test_dashboard_counts_supported_and_unsupported_villages(officer_client, app):
    html = _text(officer_client.get("/officer/"))
    # The sample city: 300 villages, 15 partnership rows in force.
    with app.app_context():
        parts = app.extensions["baotuan_store"].load_dataset()["partnerships"]
    supported = parts["village_id"].nunique()
    assert f"已帮扶 {supported}" in html
    assert f"未帮扶 {300 - supported}" in html
    for county in ("泰山区", "岱岳区", "新泰市", "肥城市", "宁阳县", "东平县"):
        assert county in html
    assert html.count('class="v-unsupported"') >= 300 - supported  # the map's villages
    assert 'id="chart-counties"' in html and 'id="chart-services"' in html


def test_villages_filter_by_county_service_and_support(officer_client):
    html = _text(officer_client.get("/officer/villages?county=东平县&supported=no"))
    rows = re.findall(r'<tr data-village="[^"]+">.*?</tr>', html, re.S)
    assert rows
    assert all("东平县" in row and "未帮扶" in row for row in rows)
    medical = _text(officer_client.get("/officer/villages?service=medical"))
    assert _village_ids(medical)
    everyone = _text(officer_client.get("/officer/villages?per=all"))
    assert "共 300 条" in everyone or "第 1 / 6 页，共 300 条" in everyone
    supported = _text(officer_client.get("/officer/villages?supported=yes"))
    assert "V000276" in _village_ids(supported)
    assert "V000276" not in _village_ids(
        _text(officer_client.get("/officer/villages?supported=no"))
    )


def test_village_list_pages_do_not_overlap(officer_client):
    first = _village_ids(_text(officer_client.get("/officer/villages")))
    second_html = _text(officer_client.get("/officer/villages?page=2"))
    second = _village_ids(second_html)
    assert len(first) == 50 and len(second) == 50
    assert not set(first) & set(second)
    assert "第 2 / 6 页" in second_html
    # a page past the end shows the last page rather than an error
    assert "第 6 / 6 页" in _text(officer_client.get("/officer/villages?page=99"))


def test_village_page_shows_needs_group_and_projects(officer_client, app):
    html = _text(officer_client.get("/officer/villages/V000276"))
    assert "在帮的抱团" in html and "牵头" in html
    assert "/officer/letters/V000276/O001474" in html
    assert "以往项目" in html
    assert officer_client.get("/officer/villages/NOPE").status_code == 404


def test_organizations_filter_by_service_kind_and_county(officer_client):
    html = _text(
        officer_client.get("/officer/organizations?service=medical&kind=foundation&county=泰山区")
    )
    rows = re.findall(r'<tr data-org="[^"]+">.*?</tr>', html, re.S)
    assert rows
    for row in rows:
        assert "健康义诊" in row and "基金会" in row and "泰山区" in row
    page2 = _text(officer_client.get("/officer/organizations?page=2"))
    assert "第 2 / 30 页" in page2


def test_organization_page_shows_capacity_partners_and_record(officer_client, app):
    with app.app_context():
        orgs = app.extensions["baotuan_store"].load_dataset()["organizations"]
    max_villages = int(orgs.set_index("org_id").loc["O001474", "max_villages"])
    html = _text(officer_client.get("/officer/organizations/O001474"))
    assert f"已帮扶 1 个村，上限 {max_villages}，剩余 {max_villages - 1}" in html
    assert "以往项目" in html and "服务与能力" in html
    assert "/officer/villages/V000276" in html


def test_english_switch_translates_officer_pages(officer_client):
    officer_client.get("/lang/en")
    html = _text(officer_client.get("/officer/"))
    assert "Overview" in html or "Coverage" in html
    assert "Unsupported" in html or "unsupported" in html
