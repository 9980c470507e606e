"""An organization registers itself; an officer or administrator approves or rejects it (审核)."""

from __future__ import annotations

import re

import pytest

from tests.webapp_fixtures import login

PASSWORD = "Taishan-2020-ok"


def registration(**overrides) -> dict:
    form = {
        "name": "泰安市红帆测试志愿者协会",
        "kind": "social_group",
        "county": "泰山区",
        "use_centre": "1",
        "max_villages": "2",
        "volunteers": "40",
        "level_elder_care": "4",
        "level_medical": "3",
        "contact_name": "王女士",
        "phone": "0538-6210000",
        "username": "hongfan",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    form.update(overrides)
    return form


def pending_id(app, username: str = "hongfan") -> int:
    with app.app_context():
        from sqlalchemy import select

        from webapp.sitedb import get_session
        from webapp.sitedb.models import OrgRegistration

        query = select(OrgRegistration.id).where(OrgRegistration.username == username)
        return int(get_session().scalars(query).one())


def test_login_page_links_to_registration(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/organization/register"' in html
    assert "社会组织注册" in client.get("/organization/register").get_data(as_text=True)


def test_wrong_values_are_refused_with_a_message_per_field(client, app):
    response = client.post(
        "/organization/register",
        data=registration(
            use_centre="",
            lat="200",
            lon="117",
            max_villages="-1",
            level_elder_care="0",
            level_medical="0",
            phone="abc",
            password="short1",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "200 超出范围 3.5–54" in html  # inside China (DATA_FORMAT.md)
    assert "-1 不能小于 0" in html
    assert "请至少选择一项服务" in html
    assert "联系电话只能包含数字" in html
    assert "密码至少 10 个字符" in html
    with app.app_context():
        from webapp.accounts.models import find_by_username

        assert find_by_username("hongfan") is None


def test_registration_waits_for_approval_then_creates_the_organization(client, app):
    response = client.post("/organization/register", data=registration())
    assert response.status_code == 302
    # pending: the account cannot sign in yet
    refused = client.post("/login", data={"username": "hongfan", "password": PASSWORD})
    assert refused.status_code == 401 and "尚未通过审核" in refused.get_data(as_text=True)

    login(client, "officer")
    page = client.get("/organization/pending").get_data(as_text=True)
    assert "泰安市红帆测试志愿者协会" in page and "0538-6210000" in page
    reg_id = pending_id(app)
    assert client.post(f"/organization/pending/{reg_id}/approve").status_code == 302
    client.post("/logout")

    store = app.extensions["baotuan_store"]
    with app.app_context():
        from webapp.accounts.models import find_by_username
        from webapp.organization.contacts import get_contact

        org_id = find_by_username("hongfan")["org_id"]
        assert get_contact(org_id).phone == "0538-6210000"
    org = store.query("organizations", {"org_id": org_id})
    assert org["name"].tolist() == ["泰安市红帆测试志愿者协会"]
    assert int(org["max_villages"].iloc[0]) == 2
    # the county centre was used for the position
    assert abs(float(org["lat"].iloc[0]) - 36.19) < 0.05
    caps = store.query("capabilities", {"org_id": org_id})
    assert dict(zip(caps["service"], caps["level"], strict=True)) == {"elder_care": 4, "medical": 3}
    assert store.audit_log(action="approve_registration")[0].actor == "officer:officer"

    login(client, "hongfan", PASSWORD)
    home = client.get("/organization/").get_data(as_text=True)
    assert "泰安市红帆测试志愿者协会" in home


def test_rejection_needs_a_reason_and_records_it(client, app):
    client.post("/organization/register", data=registration())
    login(client, "admin")
    reg_id = pending_id(app)
    client.post(f"/organization/pending/{reg_id}/reject", data={"reason": ""})
    with app.app_context():
        from webapp.organization.registration import get_registration

        assert get_registration(reg_id).status == "pending"
    client.post(f"/organization/pending/{reg_id}/reject", data={"reason": "名称与登记证书不符"})
    with app.app_context():
        from webapp.accounts.models import find_by_username
        from webapp.organization.registration import get_registration

        reg = get_registration(reg_id)
        assert (reg.status, reg.reason, reg.decided_by) == (
            "rejected",
            "名称与登记证书不符",
            "admin:admin",
        )
        assert find_by_username("hongfan")["status"] == "rejected"
        assert (
            not app.extensions["baotuan_store"]
            .query("organizations", {"org_id": reg.org_id})
            .shape[0]
        )
    assert "名称与登记证书不符" in client.get("/organization/pending").get_data(as_text=True)
    # a decided registration cannot be approved afterwards
    client.post(f"/organization/pending/{reg_id}/approve")
    with app.app_context():
        from webapp.organization.registration import get_registration

        assert get_registration(reg_id).status == "rejected"


@pytest.mark.parametrize("username", ["org", "reviewer"])
def test_only_officers_and_admins_approve(client, app, username):
    client.post("/organization/register", data=registration())
    reg_id = pending_id(app)
    login(client, username)
    assert client.get("/organization/pending").status_code == 403
    assert client.post(f"/organization/pending/{reg_id}/approve").status_code == 403


def test_a_registration_like_a_stored_organization_is_flagged(client, app):
    store = app.extensions["baotuan_store"]
    existing = store.query("organizations", {"org_id": "O000132"}).iloc[0]
    client.post(
        "/organization/register",
        data=registration(
            name=str(existing["name"]),
            use_centre="",
            lat=str(existing["lat"]),
            lon=str(existing["lon"]),
        ),
    )
    login(client, "officer")
    html = client.get("/organization/pending").get_data(as_text=True)
    assert "疑似重复登记" in html and "O000132" in html


def _answer(app, client, username: str) -> tuple[int, str, str]:
    """Status, redirect and the page it leads to, with the registration's own values (its new
    organization id) taken out."""
    response = client.post(
        "/organization/register",
        data=registration(username=username, name=f"泰安市{username}测试协会"),
    )
    with app.app_context():
        from sqlalchemy import select

        from webapp.sitedb import get_session
        from webapp.sitedb.models import OrgRegistration

        org_id = (
            get_session()
            .scalars(select(OrgRegistration.org_id).order_by(OrgRegistration.id.desc()).limit(1))
            .one()
        )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # the sign-in form's CSRF token carries the second it was signed in: not the registration's
    page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)
    return response.status_code, response.headers["Location"], page.replace(org_id, "ORG")


def test_a_taken_and_a_free_username_get_the_same_answer(client, app):
    """Registration does not tell which usernames exist (issue 13): the same status, redirect
    and page for a taken name as for a free one."""
    taken = _answer(app, client, "officer")
    free = _answer(app, client, "hongfan")
    assert taken == free
    assert taken[0] == 302 and "申请已提交" in taken[2] and "已被使用" not in taken[2]
    with app.app_context():
        from webapp.accounts.models import find_by_username

        assert find_by_username("officer")["role"] == "officer"  # the existing account is untouched
        assert find_by_username("hongfan")["status"] == "pending"


def test_a_registration_whose_username_was_taken_is_approved_under_another_one(client, app):
    client.post("/organization/register", data=registration(username="officer"))
    with app.app_context():
        from sqlalchemy import select

        from webapp.sitedb import get_session
        from webapp.sitedb.models import OrgRegistration

        reg_id, org_id = (
            get_session().execute(select(OrgRegistration.id, OrgRegistration.org_id)).one()
        )
    login(client, "admin")
    page = client.get("/organization/pending").get_data(as_text=True)
    assert "用户名已被占用 — 请为其指定另一个用户名" in page and f'id="username-{reg_id}"' in page
    # approving without another username is refused, and nothing is created
    client.post(f"/organization/pending/{reg_id}/approve")
    store = app.extensions["baotuan_store"]
    assert store.query("organizations", {"org_id": org_id}).empty
    # a username that is taken too is refused the same way
    client.post(f"/organization/pending/{reg_id}/approve", data={"username": "reviewer"})
    assert store.query("organizations", {"org_id": org_id}).empty
    response = client.post(f"/organization/pending/{reg_id}/approve", data={"username": "hongfan"})
    assert response.status_code == 302
    assert store.query("organizations", {"org_id": org_id})["name"].tolist() == [
        "泰安市红帆测试志愿者协会"
    ]
    client.post("/logout")
    with app.app_context():
        from webapp.accounts.models import find_by_username

        assert find_by_username("officer")["role"] == "officer"
        assert find_by_username("hongfan")["org_id"] == org_id
    # the applicant signs in with the password of the application and the assigned username
    login(client, "hongfan", PASSWORD)
    assert "泰安市红帆测试志愿者协会" in client.get("/organization/").get_data(as_text=True)


def test_the_registration_page_in_english(client):
    html = client.get("/lang/en?next=/organization/register", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Register an organization" in html and "Use the centre of the chosen county" in html
    refused = client.post("/organization/register", data=registration(max_villages="-1"))
    assert "-1 is below 0" in refused.get_data(as_text=True)
