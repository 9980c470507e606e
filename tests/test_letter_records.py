"""Letters are records (issue 12): issued once at approval, reprinted byte for byte, revoked by
a record of their own, checked by a village on the public page."""

from __future__ import annotations

import json

from sqlalchemy import select

from graph_schema.contract.dataset import Dataset
from graph_schema.contract.tables import TABLES
from graph_schema.store.base import GroupMember
from webapp.services.groups import approve_group
from webapp.services.letters import issuer, verification_code
from webapp.sitedb import get_session
from webapp.sitedb.approvals import repair_intents
from webapp.sitedb.models import ApprovalIntent

from .test_officer_documents import _approve_two, _store


def _free_village_and_orgs(app, n: int = 2) -> tuple[str, list[str]]:
    """An unsupported village of 泰山区 and ``n`` organizations with room that serve its needs."""
    village_id, lead, member = _approve_two(app)
    _store(app).end_partnership(village_id, actor="officer:officer", reason="test setup")
    return village_id, [lead, member][:n]


def test_a_reprint_after_an_import_renaming_the_village_is_byte_identical(officer_client, app):
    village_id, lead, _member = _approve_two(app)
    url = f"/officer/letters/{village_id}/{lead}.pdf"
    first = officer_client.get(url)
    assert first.status_code == 200
    store = _store(app)
    villages = store.query("villages", {"village_id": village_id})
    old_name = str(villages["name"].iloc[0])
    villages.loc[:, "name"] = "改名后村"
    store.import_dataset(Dataset({"villages": villages}), actor="admin:admin", source="rename")
    assert str(store.query("villages", {"village_id": village_id})["name"].iloc[0]) == "改名后村"
    again = officer_client.get(url)
    assert again.data == first.data  # the record, not a letter drawn from today's data
    assert again.headers["X-Letter-SHA256"] == first.headers["X-Letter-SHA256"]
    assert old_name != "改名后村"


def test_a_changed_group_gets_new_letters_and_the_old_ones_a_revocation(officer_client, app):
    village_id, orgs = _free_village_and_orgs(app)
    store = _store(app)
    with app.test_request_context():
        approve_group(store, village_id, [GroupMember(orgs[0], "lead")], "officer:officer")
    (old,) = store.issued_letters(village_id=village_id)  # issued by the approval itself
    assert old.kind == "letter" and old.org_id == orgs[0]
    old_pdf = officer_client.get(f"/officer/letters/{village_id}/{orgs[0]}.pdf").data
    assert old_pdf == old.pdf
    response = officer_client.post(f"/officer/villages/{village_id}/end", data={"reason": "调整"})
    assert response.status_code == 302
    with app.test_request_context():
        approve_group(
            store,
            village_id,
            [GroupMember(orgs[1], "lead"), GroupMember(orgs[0], "member")],
            "officer:officer",
        )
    records = store.issued_letters(village_id=village_id)
    (revocation,) = [r for r in records if r.kind == "revocation"]
    assert revocation.revokes == old.reference and revocation.reference != old.reference
    assert [r for r in records if r.reference == old.reference] == [old]  # unchanged
    new = {r.org_id: r for r in records if r.kind == "letter" and r.reference != old.reference}
    assert set(new) == set(orgs)
    assert len({old.reference, revocation.reference, *(r.reference for r in new.values())}) == 4
    # the organization kept in the changed group is sent with its new letter now
    now = officer_client.get(f"/officer/letters/{village_id}/{orgs[0]}.pdf").data
    assert now == new[orgs[0]].pdf != old.pdf
    page = officer_client.get(f"/officer/letters/{village_id}/{orgs[0]}").get_data(as_text=True)
    assert old.reference in page and revocation.reference in page
    # the village checking the old letter is told it was revoked
    check = app.test_client().get(
        "/letters/verify",
        query_string={
            "reference": old.reference,
            "code": verification_code(old.reference, old.key),
        },
    )
    assert "该介绍信已被撤销" in check.get_data(as_text=True)
    audit = [e.action for e in store.audit_log(limit=20)]
    assert "revoke_letter" in audit and "issue_letter" in audit


def test_the_start_up_repair_issues_letters_left_unissued(app):
    village_id, orgs = _free_village_and_orgs(app, 1)
    store = _store(app)
    # a process that died after the store write, before the letters and the decision
    store.approve_group(village_id, [GroupMember(orgs[0], "lead")], actor="officer:officer")
    with app.app_context():
        session = get_session()
        session.add(
            ApprovalIntent(
                village_id=village_id,
                members_json=json.dumps([[orgs[0], "lead"]]),
                actor="officer:officer",
                run_id=None,
                decision="accepted",
                note="",
                state="pending",
                created_at="2026-12-01T00:00:00+00:00",
            )
        )
        session.commit()
        assert store.issued_letters(village_id=village_id) == []
        settled = repair_intents(session, store, issuer(app.config))
        assert [s.outcome for s in settled] == ["finished"]
        state = session.scalars(select(ApprovalIntent.state)).all()
    assert state[-1] == "done"
    (letter,) = store.issued_letters(village_id=village_id)
    assert letter.org_id == orgs[0] and letter.pdf.startswith(b"%PDF")


def test_an_unknown_reference_or_code_is_not_verified(app):
    page = app.test_client().get(
        "/letters/verify", query_string={"reference": "泰民社介〔2026〕999号", "code": "AAAA"}
    )
    assert page.status_code == 200 and "未找到" in page.get_data(as_text=True)


def test_pages_name_the_approver_and_show_beijing_time(officer_client, app):
    from webapp.people_time import beijing

    village_id, lead, _member = _approve_two(app)  # approved as officer:officer
    approved_at = str(
        _store(app).query("partnerships", {"village_id": village_id})["approved_at"][0]
    )
    page = officer_client.get(f"/officer/villages/{village_id}").get_data(as_text=True)
    assert "泰安市民政局 张干部" in page  # the display name, not the account id
    assert beijing(approved_at) in page and approved_at not in page


# -- 撤销 when a group changes or ends outside the officer's page (an import, the command line) --
def _issue_letters(officer_client, app, village_id: str, orgs: list[str]) -> dict:
    for org_id in orgs:  # the letters of an imported or CLI-approved group are issued on first use
        assert officer_client.get(f"/officer/letters/{village_id}/{org_id}.pdf").status_code == 200
    found = _store(app).issued_letters(village_id=village_id)
    return {r.org_id: r for r in found if r.kind == "letter"}


def _folder_with_partnerships(tmp_path, rows: list[tuple[str, str, str]]):
    """A data folder holding only partnerships (the other required files with headers only)."""
    folder = tmp_path / "import"
    folder.mkdir()
    for name in ("villages", "organizations", "needs", "capabilities"):
        header = ",".join(c.name for c in TABLES[name].columns)
        (folder / f"{name}.csv").write_text(header + "\n", encoding="utf-8")
    lines = ["village_id,org_id,role,since", *(",".join((*r, "2026-12-02")) for r in rows)]
    (folder / "partnerships.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _cli(app, *argv: str) -> int:
    from webapp.cli import main

    return main([*argv, "--store", app.extensions["baotuan_settings"].store, "--actor", "cli:t"])


def _revocations(store, village_id: str) -> list:
    return [r for r in store.issued_letters(village_id=village_id) if r.kind == "revocation"]


def _third_org(app, village_id: str, taken: set[str]) -> str:
    ds = _store(app).load_dataset()
    used = ds["partnerships"].groupby("org_id").size()
    needs = set(ds["needs"].loc[ds["needs"]["village_id"] == village_id, "service"])
    caps = ds["capabilities"]
    orgs = ds["organizations"].set_index("org_id")
    return next(
        o
        for o in orgs.index
        if o not in taken
        and orgs.loc[o, "max_villages"] > used.get(o, 0)
        and needs & set(caps.loc[caps["org_id"] == o, "service"])
    )


def test_an_import_that_changes_a_group_revokes_its_letters_once(officer_client, app, tmp_path):
    village_id, lead, member = _approve_two(app)
    store = _store(app)
    old = _issue_letters(officer_client, app, village_id, [lead, member])
    third = _third_org(app, village_id, {lead, member})
    folder = _folder_with_partnerships(
        tmp_path,
        [(village_id, lead, "lead"), (village_id, member, "member"), (village_id, third, "member")],
    )
    assert _cli(app, "import", str(folder)) == 0
    revocations = _revocations(store, village_id)
    assert sorted(r.revokes for r in revocations) == sorted(x.reference for x in old.values())
    assert {r.issued_by for r in revocations} == {"cli:t"}
    for letter in old.values():  # the letters themselves stay byte for byte
        (kept,) = store.issued_letters(reference=letter.reference)
        assert kept.pdf == letter.pdf and kept.sha256 == letter.sha256
    # the group in force now gets a new letter that names the new member
    new = officer_client.get(f"/officer/letters/{village_id}/{lead}.pdf").data
    assert new != old[lead].pdf
    # the same import again changes nothing, and revokes nothing twice
    assert _cli(app, "import", str(folder)) == 0
    assert len(_revocations(store, village_id)) == 2
    check = app.test_client().get(
        "/letters/verify",
        query_string={
            "reference": old[member].reference,
            "code": verification_code(old[member].reference, old[member].key),
        },
    )
    assert "该介绍信已被撤销" in check.get_data(as_text=True)


def test_an_import_that_leaves_a_group_as_it_is_revokes_nothing(officer_client, app, tmp_path):
    village_id, lead, member = _approve_two(app)
    store = _store(app)
    _issue_letters(officer_client, app, village_id, [lead, member])
    folder = _folder_with_partnerships(tmp_path, [(village_id, lead, "lead")])
    # the row as stored but for its since: the group (who, role, approval) is the same
    assert _cli(app, "import", str(folder)) == 0
    assert _revocations(store, village_id) == []


def test_ending_a_group_on_the_command_line_revokes_its_letters_once(officer_client, app):
    village_id, lead, member = _approve_two(app)
    store = _store(app)
    old = _issue_letters(officer_client, app, village_id, [lead, member])
    assert _cli(app, "partnership", "end", village_id, "--reason", "村委会申请调整") == 0
    assert store.query("partnerships", {"village_id": village_id}).empty
    revocations = _revocations(store, village_id)
    assert sorted(r.revokes for r in revocations) == sorted(x.reference for x in old.values())
    letters = [r for r in store.issued_letters(village_id=village_id) if r.kind == "letter"]
    assert {r.pdf for r in letters} == {x.pdf for x in old.values()}  # unchanged, none added
    # nothing left to end: refused, and no second 撤销
    assert _cli(app, "partnership", "end", village_id, "--reason", "再次") == 1
    assert len(_revocations(store, village_id)) == 2


def test_a_group_approved_on_the_command_line_gets_its_letters_at_approval(officer_client, app):
    village_id, orgs = _free_village_and_orgs(app)
    store = _store(app)
    settings = app.extensions["baotuan_settings"]
    before = {r.reference for r in store.issued_letters(village_id=village_id)}
    status = _cli(
        app,
        "partnership",
        "add",
        village_id,
        "--lead",
        orgs[0],
        "--member",
        orgs[1],
        "--instance",
        str(settings.instance),
    )
    assert status == 0
    # issued by the approval itself, before anybody opens them (留存备查 from the first moment)
    issued = [
        r
        for r in store.issued_letters(village_id=village_id)
        if r.kind == "letter" and r.reference not in before
    ]
    assert sorted(r.org_id for r in issued) == sorted(orgs)
    assert len({r.number for r in issued}) == 2  # two 文号 of the bureau's sequence
    for letter in issued:
        page = officer_client.get(f"/officer/letters/{village_id}/{letter.org_id}.pdf")
        assert page.status_code == 200 and page.data == letter.pdf
