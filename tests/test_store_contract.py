"""One contract, two stores: every test here runs against SQLite and against a real Neo4j."""

from __future__ import annotations

import dataclasses
import threading

import pandas as pd
import pytest

from graph_schema import Dataset, ValidationError, read_data
from graph_schema.contract.graph import graph_signature
from graph_schema.contract.interchange import write_data
from graph_schema.errors import CapacityError, ConflictError, NotFoundError
from graph_schema.operations import import_path
from graph_schema.store import GroupMember
from tests.store_fixtures import NEO4J_MARKS, open_again

# The fixtures ``store`` (once per store), ``neo4j_store`` and ``sqlite_store`` come from conftest.


def small_world() -> Dataset:
    """Three villages; O1 can take one village, O2 two, O3 none."""
    return Dataset(
        {
            "villages": pd.DataFrame(
                {
                    "village_id": ["V1", "V2", "V3"],
                    "name": ["易洼村", "邹营村", "上泉村"],
                    "county": ["泰山区", "肥城市", "东平县"],
                    "town": ["省庄镇", None, None],
                    "lat": [36.3, 36.2, 35.9],
                    "lon": [117.2, 116.5, 116.4],
                    "population": [490, None, 800],
                }
            ),
            "needs": pd.DataFrame(
                {
                    "village_id": ["V1", "V2"],
                    "service": ["medical", "education"],
                    "severity": [4, 2],
                }
            ),
            "organizations": pd.DataFrame(
                {
                    "org_id": ["O1", "O2", "O3"],
                    "name": ["泰安朝阳教育基金会", "长青社工", "金晖助老协会"],
                    "kind": ["foundation", "service_agency", "social_group"],
                    "county": ["泰山区", "岱岳区", "宁阳县"],
                    "lat": [36.1, 36.0, 35.8],
                    "lon": [117.0, 117.1, 116.8],
                    "max_villages": [1, 2, 0],
                    "has_party_branch": [True, None, False],
                }
            ),
            "capabilities": pd.DataFrame(
                {"org_id": ["O1", "O2"], "service": ["medical", "education"], "level": [5, 3]}
            ),
        }
    )


def _entries(store, action=None):
    return store.audit_log(limit=1000, action=action)


# -- import, refusal, idempotence, export --------------------------------------------------------
def test_import_of_the_sample_city(store, sample_dir):
    expected = read_data(sample_dir)
    report = import_path(store, sample_dir, actor="tester")
    assert report.rows == expected.counts()
    assert report.changed == expected.counts()  # everything was new
    assert store.counts() == expected.counts()
    ids = store.known_ids()
    assert ids[("villages", "village_id")] == set(expected["villages"]["village_id"])
    assert ids[("volunteers", "volunteer_id")] == set(expected["volunteers"]["volunteer_id"])
    entry = _entries(store)[0]
    assert (entry.actor, entry.action, entry.target) == ("tester", "import", str(sample_dir))
    assert entry.after["changed"] == report.changed


def test_a_broken_copy_is_refused_and_nothing_changes(store, sample_dir, sample_copy):
    import_path(store, sample_dir)
    before = store.load_dataset()
    audit_before = _entries(store)
    with (sample_copy / "needs.csv").open("a", encoding="utf-8") as f:
        f.write("V000000,medical,7\nV999999,education,3\n")
    with (sample_copy / "villages.csv").open("a", encoding="utf-8") as f:
        f.write("V900000,新村,泰山区,,200,117.1,10,1\n")
    with pytest.raises(ValidationError) as refused:
        import_path(store, sample_copy)
    text = str(refused.value)
    assert "needs.csv:" in text and "severity" in text and "unknown village 'V999999'" in text
    assert "villages.csv:302: lat: 200 is outside 3.5..54" in text
    after = store.load_dataset()
    assert after.as_text(extra=True) == before.as_text(extra=True)
    assert _entries(store) == audit_before


def test_a_second_import_changes_nothing(store, sample_dir):
    first = import_path(store, sample_dir)
    before = store.load_dataset().as_text(extra=True)
    second = import_path(store, sample_dir)
    assert first.total_changed == sum(first.rows.values())
    assert second.changed == {name: 0 for name in first.rows}
    assert store.load_dataset().as_text(extra=True) == before


def test_a_changed_row_is_counted_once(store):
    world = small_world()
    store.import_dataset(world)
    villages = world["villages"].copy()
    villages.loc[0, "name"] = "新易洼村"
    villages.loc[1, "town"] = "王庄镇"  # an empty optional column gets a value
    villages.loc[2, "population"] = pd.NA  # and one loses it
    report = store.import_dataset(Dataset({"villages": villages}))
    assert report.changed["villages"] == 3
    assert store.load_dataset().equals(Dataset({**world, "villages": villages}))


def test_export_gives_back_the_import(store, sample_dir, tmp_path):
    import_path(store, sample_dir)
    exported = store.load_dataset()
    assert exported.equals(read_data(sample_dir))
    out = write_data(exported, tmp_path / "out")
    assert read_data(out).equals(read_data(sample_dir))


def test_empty_optional_values_come_back_empty(store):
    store.import_dataset(small_world())
    loaded = store.load_dataset()
    villages = loaded["villages"].set_index("village_id")
    assert villages.loc["V2", "town"] is None and pd.isna(villages.loc["V2", "population"])
    assert str(villages["population"].dtype) == "Int64"
    orgs = loaded["organizations"].set_index("org_id")
    assert pd.isna(orgs.loc["O2", "has_party_branch"]) and not orgs.loc["O3", "has_party_branch"]


def test_both_stores_hold_the_same_world(sqlite_store, neo4j_store, sample_dir):
    for s in (sqlite_store, neo4j_store):
        import_path(s, sample_dir)
    a, b = sqlite_store.load_dataset().canonical(), neo4j_store.load_dataset().canonical()
    for name in a:
        left, right = a[name], b[name]
        if name == "partnerships":  # stamped with each import's own clock
            left, right = left.drop(columns="approved_at"), right.drop(columns="approved_at")
        pd.testing.assert_frame_equal(left, right, obj=name)
    assert graph_signature(sqlite_store.snapshot()) == graph_signature(neo4j_store.snapshot())


for _mark in NEO4J_MARKS:
    test_both_stores_hold_the_same_world = _mark(test_both_stores_hold_the_same_world)


# -- single rows -----------------------------------------------------------------------------
def test_upsert_and_delete_rows_are_audited(store):
    store.import_dataset(small_world())
    row = pd.DataFrame(
        {
            "village_id": ["V4"],
            "name": ["南张村"],
            "county": ["新泰市"],
            "lat": [35.9],
            "lon": [117.7],
        }
    )
    assert store.upsert_rows("villages", row, actor="officer") == 1
    assert store.upsert_rows("villages", row, actor="officer") == 0
    entry = _entries(store, "upsert")[0]
    assert entry.target == "villages:V4" and entry.before == []
    assert entry.after == [
        {
            "village_id": "V4",
            "name": "南张村",
            "county": "新泰市",
            "town": None,
            "lat": 35.9,
            "lon": 117.7,
            "population": None,
            "poor_households": None,
        }
    ]
    assert len(_entries(store, "upsert")) == 1  # nothing changed, nothing recorded

    skill = pd.DataFrame({"org_id": ["O1"], "service": ["medical"], "level": [3]})
    assert store.upsert_rows("capabilities", skill, actor="org", action="edit_capability") == 1
    entry = _entries(store, "edit_capability")[0]
    assert entry.before == [{"org_id": "O1", "service": "medical", "level": 5}]
    assert entry.after == [{"org_id": "O1", "service": "medical", "level": 3}]

    assert store.delete_rows("needs", [("V1", "medical")], actor="officer") == 1
    assert store.delete_rows("needs", [("V1", "medical")], actor="officer") == 0
    entry = _entries(store, "delete")[0]
    assert entry.target == "needs:V1|medical" and entry.after is None
    assert entry.before == [{"village_id": "V1", "service": "medical", "severity": 4}]
    assert store.counts()["needs"] == 1


def test_reviews_with_empty_key_parts(store):
    store.import_dataset(small_world())
    projects = pd.DataFrame(
        {"project_id": ["J1"], "name": ["康乐助残"], "lead_org_id": ["O1"], "service": ["medical"]}
    )
    reviews = pd.DataFrame(
        {
            "project_id": ["J1", "J1"],
            "score": [80.5, 70.0],
            "reviewed_on": [None, "2020-12-01"],
            "reviewer": [None, "评审组"],
        }
    )
    store.upsert_rows("projects", projects, actor="t")
    assert store.upsert_rows("reviews", reviews, actor="t") == 2
    loaded = store.load_dataset()["reviews"].sort_values("score").reset_index(drop=True)
    assert loaded["reviewed_on"].tolist() == ["2020-12-01", None]
    assert loaded["reviewer"].tolist() == ["评审组", None]
    assert store.delete_rows("reviews", [("J1", None, None)], actor="t") == 1
    assert store.counts()["reviews"] == 1


# -- partnerships ---------------------------------------------------------------------------
def test_approve_a_group_and_end_it(store):
    store.import_dataset(small_world())
    group = [GroupMember("O2", "lead"), GroupMember("O1", "member")]
    store.approve_group("V1", group, actor="officer", since="2024-03-01")
    rows = store.load_dataset()["partnerships"].sort_values("org_id")
    assert rows["org_id"].tolist() == ["O1", "O2"] and rows["role"].tolist() == ["member", "lead"]
    assert set(rows["since"]) == {"2024-03-01"} and set(rows["approved_by"]) == {"officer"}
    entry = _entries(store, "approve_group")[0]
    assert entry.target == "village:V1"
    assert entry.after == [{"org_id": "O2", "role": "lead"}, {"org_id": "O1", "role": "member"}]

    assert store.end_partnership("V1", actor="officer", reason="finished") == 2
    assert store.counts()["partnerships"] == 0
    entry = _entries(store, "end_partnership")[0]
    assert entry.before == [
        {"org_id": "O1", "role": "member", "since": "2024-03-01"},
        {"org_id": "O2", "role": "lead", "since": "2024-03-01"},
    ]
    assert entry.after == {"reason": "finished"}
    assert store.end_partnership("V1", actor="officer") == 0
    assert len(_entries(store, "end_partnership")) == 1


def test_refusals_write_nothing(store):
    store.import_dataset(small_world())
    store.approve_group("V1", [GroupMember("O1", "lead")], actor="officer")
    before, audit = store.load_dataset().as_text(extra=True), _entries(store)
    with pytest.raises(CapacityError, match="O1 already supports 1 of at most 1"):
        store.approve_group("V2", [GroupMember("O2", "lead"), GroupMember("O1")], actor="officer")
    with pytest.raises(CapacityError):
        store.approve_group("V2", [GroupMember("O3")], actor="officer")
    with pytest.raises(ConflictError, match="already has a group"):
        store.approve_group("V1", [GroupMember("O2")], actor="officer")
    with pytest.raises(NotFoundError, match="village V9"):
        store.approve_group("V9", [GroupMember("O2")], actor="officer")
    with pytest.raises(NotFoundError, match="organization O9"):
        store.approve_group("V2", [GroupMember("O2"), GroupMember("O9")], actor="officer")
    for bad in (
        [],
        [GroupMember("O2"), GroupMember("O2")],
        [GroupMember("O1", "lead"), GroupMember("O2", "lead")],
    ):
        with pytest.raises(ConflictError):
            store.approve_group("V3", bad, actor="officer")
    assert store.load_dataset().as_text(extra=True) == before
    assert _entries(store) == audit


def test_concurrent_approvals_never_exceed_capacity(store):
    """Six officers approve six villages at once, all with O2 (room for two): two succeed."""
    villages = pd.DataFrame(
        {
            "village_id": [f"W{i}" for i in range(6)],
            "name": [f"村{i}" for i in range(6)],
            "county": ["泰山区"] * 6,
            "lat": [36.0] * 6,
            "lon": [117.0] * 6,
        }
    )
    world = small_world()
    store.import_dataset(Dataset({**world, "villages": pd.concat([world["villages"], villages])}))
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def approve(i: int) -> None:
        other = open_again(store)
        try:
            barrier.wait()
            other.approve_group(f"W{i}", [GroupMember("O2", "lead")], actor=f"officer{i}")
            outcomes.append("ok")
        except CapacityError:
            outcomes.append("full")
        finally:
            other.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["full"] * 4 + ["ok"] * 2
    assert store.counts()["partnerships"] == 2
    assert len(_entries(store, "approve_group")) == 2


# -- audit ----------------------------------------------------------------------------------
def test_the_audit_trail_is_append_only(store):
    store.import_dataset(small_world(), actor="loader", source="small")
    store.append_audit("admin", "login", "account:admin")
    first = _entries(store)
    store.approve_group("V1", [GroupMember("O1", "lead")], actor="officer")
    store.end_partnership("V1", actor="officer", reason="moved")
    store.append_audit(
        "admin", "role_change", "account:li", before={"role": "org"}, after={"role": "officer"}
    )
    entries = _entries(store)
    assert entries[len(entries) - len(first) :] == first  # older entries are kept unchanged
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    assert [e.action for e in entries] == [
        "role_change",
        "end_partnership",
        "approve_group",
        "login",
        "import",
    ]
    assert entries[0].before == {"role": "org"} and entries[0].after == {"role": "officer"}
    assert [e.action for e in store.audit_log(limit=2, offset=1)] == [
        "end_partnership",
        "approve_group",
    ]
    assert [e.actor for e in store.audit_log(action="login")] == ["admin"]
    with pytest.raises(KeyError):
        store.delete_rows("audit", [("1",)], actor="admin")


# -- issued letters (records) ---------------------------------------------------------------
def _request(key: str, village_id: str = "V1", org_id: str = "O1", **kw):
    from graph_schema.store.base import LetterRequest

    rendered: list[str] = []

    def render(reference: str) -> bytes:
        rendered.append(reference)
        return f"%PDF-1.4 {reference} {village_id} {org_id}".encode()

    return LetterRequest(key, "泰民社介", 2026, village_id, org_id, render, **kw), rendered


def test_letters_are_issued_once_numbered_per_year_and_audited(store):
    import hashlib

    first_request, first_rendered = _request("V1/O1/a")
    first = store.issue_letter(first_request, actor="officer")
    second = store.issue_letter(_request("V2/O2/a", "V2", "O2")[0], actor="officer")
    assert (first.reference, second.reference) == ("泰民社介〔2026〕1号", "泰民社介〔2026〕2号")
    assert first.sha256 == hashlib.sha256(first.pdf).hexdigest()
    assert "泰民社介〔2026〕1号" in first.pdf.decode()
    # the same key again: the letter issued the first time, nothing rendered or written
    again_request, again_rendered = _request("V1/O1/a")
    assert store.issue_letter(again_request, actor="someone else") == first
    assert again_rendered == [] and first_rendered == [first.reference]
    other_year = store.issue_letter(
        dataclasses.replace(_request("V1/O1/b")[0], year=2027), actor="officer"
    )
    assert other_year.reference == "泰民社介〔2027〕1号"
    # a 撤销 record is a record of its own, and the revoked letter stays as it was
    revocation = store.issue_letter(
        _request("revoke/V1/O1/a", kind="revocation", revokes=first.reference)[0], actor="officer"
    )
    assert revocation.reference == "泰民社介〔2026〕3号" and revocation.revokes == first.reference
    reopened = open_again(store)
    try:
        assert reopened.issued_letters(reference=first.reference) == [first]
        assert [x.reference for x in reopened.issued_letters(village_id="V1", org_id="O1")] == [
            first.reference,
            other_year.reference,
            revocation.reference,
        ]
    finally:
        reopened.close()
    audited = [(e.action, e.target, e.after["sha256"]) for e in store.audit_log(limit=10)]
    assert ("issue_letter", f"letter:{first.reference}", first.sha256) in audited
    assert ("revoke_letter", f"letter:{revocation.reference}", revocation.sha256) in audited


def test_concurrent_issues_draw_distinct_numbers(store):
    got: list[str] = []

    def issue(i: int) -> None:
        got.append(store.issue_letter(_request(f"k{i}", f"V{i}")[0], actor="o").reference)

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got) == sorted(f"泰民社介〔2026〕{n}号" for n in range(1, 7))
