"""公益路演评选 (issue 15.4): the trimmed mean and spread, 回避 refused at POST, the county scope,
award tiers, finishing → one review per project in the store (once), exports whose text stays
text. docs/roadshow.md."""

from __future__ import annotations

import io
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.webapp_fixtures import login
from webapp.roadshow.combine import Combined, TierError, combine, parse_tiers, rank

PASSWORD = "Roadshow-2026-x"
TIERS = "一等奖 1\n二等奖 1\n三等奖 1"


def rubric(total_of_five: float) -> dict[str, str]:
    """Five parts adding up to ``total_of_five`` (a multiple of 2.5 up to 100)."""
    part = total_of_five / 5
    return {p: f"{part:g}" for p in ("need_fit", "execution", "effect", "sustainability", "funds")}


# -- pure: combining and ranking -----------------------------------------------------------------
def test_trimmed_mean_drops_the_highest_and_lowest_from_three_scores_on():
    four = {"a": {"total": 60.0}, "b": {"total": 80.0}, "c": {"total": 90.0}, "d": {"total": 99.0}}
    c = combine("P1", four, trim=1)
    assert c.combined == 85.0 and c.counted == ("b", "c")
    assert (c.low, c.high, c.scored) == (60.0, 99.0, 4)
    assert c.std == pytest.approx(pd.Series([60, 80, 90, 99]).std(ddof=0))
    assert combine("P1", four, trim=0).combined == pytest.approx(82.25)
    two = combine("P1", {"a": {"total": 60.0}, "b": {"total": 80.0}}, trim=1)
    assert two.combined == 70.0 and two.counted == ("a", "b")  # too few to drop any
    # trim 2 needs five scores: with four, all count
    assert combine("P1", four, trim=2).combined == pytest.approx(82.25)


def test_the_ranking_breaks_ties_the_same_way_every_time():
    same = [
        Combined("P9", 80.0, ("a",), 3, 80.0, 70.0, 90.0, 8.0),
        Combined("P1", 80.0, ("a",), 3, 80.0, 72.0, 88.0, 6.0),  # same means, higher lowest
        Combined("P5", 80.0, ("a",), 3, 81.0, 60.0, 99.0, 9.0),  # higher plain mean
        Combined("P3", 85.0, ("a",), 3, 85.0, 85.0, 85.0, 0.0),
    ]
    order = [r.result.project_id for r in rank(same, [("一等奖", 1), ("二等奖", 2)])]
    assert order == ["P3", "P5", "P1", "P9"]
    assert [r.result.project_id for r in rank(reversed(same), [])] == order
    awards = [r.award for r in rank(same, [("一等奖", 1), ("二等奖", 2)])]
    assert awards == ["一等奖", "二等奖", "二等奖", ""]


def test_award_tiers_are_read_and_a_wrong_line_is_named():
    assert parse_tiers("一等奖 1；二等奖 2\n三等奖 3") == [
        ("一等奖", 1),
        ("二等奖", 2),
        ("三等奖", 3),
    ]
    with pytest.raises(TierError, match="第 2 项"):
        parse_tiers("一等奖 1\n二等奖 两")
    with pytest.raises(TierError, match="重复"):
        parse_tiers("一等奖 1\n一等奖 2")


# -- the site --------------------------------------------------------------------------------------
def pick_projects(app, n: int, county: str | None = None) -> pd.DataFrame:
    """``n`` finished projects with different lead organizations and no shared organization."""
    store = app.extensions["baotuan_store"]
    projects = store.query("projects")
    villages = store.query("villages").set_index("village_id")["county"]
    projects = projects[projects["end_date"].notna() & projects["village_id"].notna()].copy()
    projects["county"] = projects["village_id"].map(villages)
    if county:
        projects = projects[projects["county"] == county]
    links = store.query("project_orgs")
    chosen, used = [], set()
    for p in projects.sort_values("project_id").itertuples(index=False):
        orgs = {p.lead_org_id, *links.loc[links["project_id"] == p.project_id, "org_id"]}
        if orgs & used:
            continue
        chosen.append(p.project_id)
        used |= orgs
        if len(chosen) == n:
            break
    return projects.set_index("project_id").loc[chosen].reset_index()


def make_reviewers(app, ties: dict[str, str | None]) -> None:
    from webapp.accounts.operations import create_user

    with app.app_context():
        for username, org_id in ties.items():
            create_user(
                username, PASSWORD, "reviewer", org_id=org_id, display_name=f"专家{username}"
            )


def create_event(client, **extra) -> int:
    form = {
        "name": "2026年“泰山红帆”公益路演",
        "held_on": "2026-11-20",
        "place": "泰安市民政局",
        "tiers": TIERS,
        "trim": "1",
        **extra,
    }
    response = client.post("/roadshow/events", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def as_reviewer(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_an_event_from_entries_to_reviews_in_the_store(app, client):
    store = app.extensions["baotuan_store"]
    picked = pick_projects(app, 3)
    a, b, c = picked["project_id"]
    tied_org = str(picked.loc[0, "lead_org_id"])
    make_reviewers(app, {"rs_wang": tied_org, "rs_li": None, "rs_zhao": None})
    login(client, "officer")
    event_id = create_event(client)
    assert (
        client.post(
            f"/roadshow/events/{event_id}/entries", data={"project_id": [a, b, c]}
        ).status_code
        == 302
    )
    for name in ("rs_wang", "rs_li", "rs_zhao", "reviewer"):
        client.post(f"/roadshow/events/{event_id}/reviewers", data={"username": name})
    # a declared tie: 李 is tied to C's lead organization
    client.post(
        f"/roadshow/events/{event_id}/recusals",
        data={"username": "rs_li", "org_id": str(picked.loc[2, "lead_org_id"]), "note": "曾任理事"},
    )
    page = client.get(f"/roadshow/events/{event_id}").get_data(as_text=True)
    assert page.count("回避") >= 2 and "评审专家本人所属组织" in page and "曾任理事" in page

    # 王 is barred from A (his own organization): the form is not shown, a POST is refused 403
    wang = as_reviewer(app, "rs_wang")
    listing = wang.get(f"/roadshow/review/{event_id}").get_data(as_text=True)
    assert "回避" in listing and f"score-{a}" not in listing
    refused = wang.post(f"/roadshow/review/{event_id}/projects/{a}", data=rubric(90))
    assert refused.status_code == 403
    assert "评审专家本人所属组织" in refused.get_data(as_text=True)
    assert store.audit_log(limit=1)[0].action == "roadshow_score_refused"
    li = as_reviewer(app, "rs_li")
    assert li.post(f"/roadshow/review/{event_id}/projects/{c}", data=rubric(90)).status_code == 403

    scores = {  # reviewer → project → total
        "rs_wang": {b: 80, c: 70},
        "rs_li": {a: 90, b: 85},
        "rs_zhao": {a: 60, b: 95, c: 75},
        "reviewer": {a: 100, b: 70, c: 72.5},
    }
    for username, mine in scores.items():
        who = (
            login(app.test_client(), "reviewer")
            if username == "reviewer"
            else as_reviewer(app, username)
        )
        for project, total in mine.items():
            response = who.post(
                f"/roadshow/review/{event_id}/projects/{project}", data=rubric(total)
            )
            assert response.status_code == 302, (username, project, response.status_code)
    # a wrong part is refused with its field
    bad = login(app.test_client(), "reviewer").post(
        f"/roadshow/review/{event_id}/projects/{a}", data={**rubric(80), "funds": "25"}
    )
    assert bad.status_code == 422 and "0–20" in bad.get_data(as_text=True)

    # A: 90, 60, 100 → 90; B: 80, 85, 95, 70 → 82.5; C: 70, 75, 72.5 → 72.5
    before = len(store.query("reviews"))
    assert client.post(f"/roadshow/events/{event_id}/finish").status_code == 302
    reviews = store.query("reviews")
    ours = reviews[reviews["reviewer"] == f"路演#{event_id} 2026年“泰山红帆”公益路演"]
    assert len(reviews) == before + 3
    assert dict(zip(ours["project_id"], ours["score"], strict=True)) == {a: 90.0, b: 82.5, c: 72.5}
    assert set(ours["reviewed_on"].astype(str)) == {"2026-11-20"}
    ranking = client.get(f"/roadshow/events/{event_id}").get_data(as_text=True)
    assert ranking.index(f"rank-{a}") < ranking.index(f"rank-{b}") < ranking.index(f"rank-{c}")
    assert "一等奖" in ranking and "已结束" in ranking

    # finishing again writes nothing, and a finished event takes no scores
    audit_before = len(store.audit_log(limit=10_000))
    client.post(f"/roadshow/events/{event_id}/finish")
    assert len(store.query("reviews")) == before + 3
    assert len(store.audit_log(limit=10_000)) == audit_before
    late = as_reviewer(app, "rs_zhao").post(
        f"/roadshow/review/{event_id}/projects/{a}", data=rubric(50)
    )
    assert late.status_code == 409

    # the xlsx: caption, header, one row per entry, awards, print setup, text stays text
    book = load_workbook(io.BytesIO(client.get(f"/roadshow/events/{event_id}/ranking.xlsx").data))
    ws = book.active
    assert ws["A2"].value == "名次" and ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape"
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2], r[7]) for r in rows] == [
        (1, "一等奖", a, 90),
        (2, "二等奖", b, 82.5),
        (3, "三等奖", c, 72.5),
    ]
    pdf = client.get(f"/roadshow/events/{event_id}/ranking.pdf").data
    assert pdf[:5] == b"%PDF-"
    assert book.sheetnames == ["评选结果", "获奖名单", "评分明细"]
    awards = [[c.value for c in row] for row in book["获奖名单"].iter_rows(min_row=3)]
    assert [(r[0], r[1]) for r in awards] == [("一等奖", 1), ("二等奖", 2), ("三等奖", 3)]
    detail = [[c.value for c in row] for row in book["评分明细"].iter_rows(min_row=3)]
    recused = [r for r in detail if r[3] == "回避"]
    assert {(r[0], r[2]) for r in recused} == {(a, "专家rs_wang"), (c, "专家rs_li")}
    assert len(detail) == 12  # 3 entries × 4 reviewers
    if shutil.which("pdftotext"):  # the Chinese is drawn in the embedded font, not boxes
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "一等奖" in text and "综合得分" in text and a in text


def test_a_tie_found_by_the_integrity_rules_bars_too(app, client):
    store = app.extensions["baotuan_store"]
    picked = pick_projects(app, 1)
    project, lead = str(picked.loc[0, "project_id"]), str(picked.loc[0, "lead_org_id"])
    orgs = store.query("organizations")
    twin = orgs[orgs["org_id"] == lead].copy()  # the reviewer's organization registered again
    twin["org_id"], twin["name"] = "O990001", str(twin["name"].iloc[0]) + "（筹）"
    store.upsert_rows("organizations", twin, actor="test-import")
    make_reviewers(app, {"rs_twin": "O990001"})
    login(client, "officer")
    event_id = create_event(client)
    client.post(f"/roadshow/events/{event_id}/entries", data={"project_id": [project]})
    client.post(f"/roadshow/events/{event_id}/reviewers", data={"username": "rs_twin"})
    refused = as_reviewer(app, "rs_twin").post(
        f"/roadshow/review/{event_id}/projects/{project}", data=rubric(80)
    )
    assert refused.status_code == 403 and "疑似重复登记" in refused.get_data(as_text=True)


def test_a_county_officer_runs_only_their_county(app, client):
    from webapp.accounts.operations import create_user

    home = pick_projects(app, 1, county="泰山区")
    away = pick_projects(app, 1, county="东平县")
    with app.app_context():
        create_user("rs_county", PASSWORD, "officer", county="泰山区")
    login(client, "officer")
    city_event = create_event(client, name="全市路演")
    county = app.test_client()
    county.post("/login", data={"username": "rs_county", "password": PASSWORD})
    elsewhere = county.post(
        "/roadshow/events",
        data={"name": "东平县路演", "held_on": "2026-11-20", "tiers": TIERS, "county": "东平县"},
    )
    assert elsewhere.status_code == 400 and "您负责 泰山区" in elsewhere.get_data(as_text=True)
    own = create_event(county, name="泰山区路演")  # a county officer's event is of their county
    assert county.get(f"/roadshow/events/{city_event}").status_code == 404
    assert "全市路演" not in county.get("/roadshow/events").get_data(as_text=True)
    assert "泰山区路演" in client.get("/roadshow/events").get_data(as_text=True)
    refused = county.post(
        f"/roadshow/events/{own}/entries", data={"project_id": [str(away.loc[0, "project_id"])]}
    )
    assert refused.status_code == 400 and "不在 泰山区" in refused.get_data(as_text=True)
    ok = county.post(
        f"/roadshow/events/{own}/entries", data={"project_id": [str(home.loc[0, "project_id"])]}
    )
    assert ok.status_code == 302
    assert login(app.test_client(), "reviewer").get("/roadshow/events").status_code == 403


def test_wrong_event_fields_are_refused_by_field(client):
    login(client, "officer")
    response = client.post(
        "/roadshow/events",
        data={"name": "", "held_on": "2026-13-01", "tiers": "一等奖", "trim": "9"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写路演名称" in html and "YYYY-MM-DD" in html and "第 1 项" in html and "0–3" in html


def test_export_cells_stay_text(app, client):
    store = app.extensions["baotuan_store"]
    picked = pick_projects(app, 1)
    project = picked.loc[[0]].drop(columns=["county"])
    project["name"] = '=HYPERLINK("http://example.invalid","领奖")'
    store.upsert_rows("projects", project, actor="test-import")
    login(client, "officer")
    event_id = create_event(client)
    client.post(
        f"/roadshow/events/{event_id}/entries", data={"project_id": [project["project_id"].iloc[0]]}
    )
    ws = load_workbook(
        io.BytesIO(client.get(f"/roadshow/events/{event_id}/ranking.xlsx").data)
    ).active
    assert ws["D3"].value == '=HYPERLINK("http://example.invalid","领奖")'
    assert ws["D3"].data_type == "s" and ws["A3"].value == "未评分"
    assert "暂定" in ws["A1"].value


def test_the_roadshow_pages_speak_english_when_asked(client):
    login(client, "officer")
    client.get("/lang/en")
    html = client.get("/roadshow/events").get_data(as_text=True)
    assert "New roadshow" in html and "Create roadshow" in html
    refused = client.post(
        "/roadshow/events", data={"name": "x", "held_on": "bad", "tiers": "一等奖 1"}
    )
    assert "The date must be YYYY-MM-DD" in refused.get_data(as_text=True)


def test_an_administrator_gives_a_reviewer_their_organization(app, client):
    from webapp.accounts.models import find_by_username

    org = str(app.extensions["baotuan_store"].query("organizations")["org_id"].iloc[0])
    login(client, "admin")
    form = {"username": "rs_affiliated", "role": "reviewer", "org_id": org, "password": PASSWORD}
    client.post("/admin/accounts", data=form)
    unknown = dict(form, username="rs_nowhere", org_id="O-NO-SUCH")
    client.post("/admin/accounts", data=unknown)
    with app.app_context():
        assert find_by_username("rs_affiliated")["org_id"] == org  # barred from its projects
        assert find_by_username("rs_nowhere") is None
