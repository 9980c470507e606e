"""Matcher runs from the site and the officer's decisions on their recommendations."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from graph_schema.store.base import GroupMember
from tests.officer_helpers import (  # noqa: F401  (fixtures, by their names)
    add_finished_run,
    matcher_result_fixture,
    recommended_village,
    run_id_fixture,
)
from webapp.templating import service_label


def _store(app):
    return app.extensions["baotuan_store"]


def _group(app, village_id: str) -> dict[str, str]:
    parts = _store(app).load_dataset()["partnerships"]
    rows = parts[parts["village_id"] == village_id]
    return dict(zip(rows["org_id"], rows["role"], strict=True))


def _decision(app, run: int, village_id: str):
    from sqlalchemy import select

    from webapp.sitedb import get_session
    from webapp.sitedb.models import RecommendationDecision as Decision

    with app.app_context():
        query = select(Decision.__table__).where(
            Decision.run_id == run, Decision.village_id == village_id
        )
        return get_session().execute(query).mappings().first()


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_run_started_from_the_site_goes_on_in_the_background(officer_client, app, run_worker):
    response = officer_client.post("/officer/matching/runs", data={"max_group": "3"})
    assert response.status_code == 302
    url = response.headers["Location"]
    # While it runs, the site answers other pages.
    assert officer_client.get("/officer/villages").status_code == 200
    deadline = time.monotonic() + 300
    status = officer_client.get(url + "/status").get_json()
    assert status["status"] in ("running", "done")
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = officer_client.get(url + "/status").get_json()
    assert status["status"] == "done", status
    assert status["percent"] == 100
    html = _text(officer_client.get(url))
    assert 'id="recommendations"' in html and "批准所选村的推荐抱团" in html
    listing = _text(officer_client.get("/officer/matching"))
    assert "已完成" in listing and "泰安市民政局 张干部" in listing  # started by: a display name


def test_review_page_shows_members_explanation_volunteers_and_alternatives(
    officer_client, run_id, matcher_result
):
    rec = recommended_village(matcher_result, 2)
    html = _text(
        officer_client.get(f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}")
    )
    assert rec["explanation"] in html
    for member in rec["organizations"]:
        assert member["org_id"] in html
    assert "推荐的志愿者" in html and "备选组织" in html
    for volunteer in rec["volunteers"][:1]:
        assert volunteer in html


def test_a_supporting_member_is_shown_as_supporting_with_its_services(
    officer_client, run_id, matcher_result
):
    rec = next(
        r
        for r in matcher_result["recommendations"]
        if any(m.get("supports") for m in r["organizations"])
    )
    member = next(m for m in rec["organizations"] if m.get("supports"))
    url = f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}"
    html = _text(officer_client.get(url))
    # it leads no need: the page says it supports (协助) and which services, with its level
    assert member["covers"] == [] and "协助" in html and member["explanation"] in html
    label = service_label(member["supports"][0])
    assert f"协助 {label}" in html
    officer_client.get("/lang/en")
    assert "supports" in _text(officer_client.get(url))


def test_accepting_a_recommendation_puts_the_group_in_force(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result, 2)
    village = rec["village_id"]
    response = officer_client.post(f"/officer/matching/runs/{run_id}/villages/{village}/accept")
    assert response.status_code == 302
    assert _group(app, village) == {m["org_id"]: m["role"] for m in rec["organizations"]}
    parts = _store(app).load_dataset()["partnerships"]
    approved = parts[parts["village_id"] == village]
    assert set(approved["approved_by"]) == {"officer:officer"}
    assert approved["approved_at"].notna().all()
    assert _decision(app, run_id, village)["decision"] == "accepted"
    # Accepting again is refused with the conflict explained, never a server error.
    again = officer_client.post(f"/officer/matching/runs/{run_id}/villages/{village}/accept")
    assert again.status_code == 422
    assert "已有在帮的抱团" in _text(again)


def test_conflict_when_another_officer_approved_the_village_first(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result)
    village, first = rec["village_id"], rec["organizations"][0]["org_id"]
    _store(app).approve_group(village, [GroupMember(first, "lead")], actor="officer:other")
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/change",
        data={"org": [first], "lead": "0"},
    )
    assert response.status_code == 422
    assert "已有在帮的抱团" in _text(response)
    assert _group(app, village) == {first: "lead"}


def test_change_members_refuses_a_group_above_max_group(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result)
    village = rec["village_id"]
    orgs = _store(app).load_dataset()["organizations"]["org_id"].tolist()[:5]
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/change",
        data={"org": orgs, "lead": "0"},
    )
    assert response.status_code == 422
    assert "一个抱团最多 4 个组织，现在有 5 个，请去掉 1 个" in _text(response)
    assert _group(app, village) == {}


def test_change_members_refuses_an_organization_without_capacity(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result)
    village, org_id = rec["village_id"], rec["organizations"][0]["org_id"]
    orgs = _store(app).load_dataset()["organizations"]
    full = orgs[orgs["org_id"] == org_id].assign(max_villages=0)
    _store(app).upsert_rows("organizations", full, actor="test")
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/change",
        data={"org": [org_id], "lead": "0"},
    )
    assert response.status_code == 422
    html = _text(response)
    assert f"（{org_id}）已帮扶 0 个村，达到其最多 0 个村的帮扶容量，没有剩余容量" in html
    assert _group(app, village) == {}


def test_change_members_refuses_an_organization_that_provides_no_needed_service(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result)
    village = rec["village_id"]
    ds = _store(app).load_dataset()
    needed = set(ds["needs"].loc[ds["needs"]["village_id"] == village, "service"])
    caps = ds["capabilities"]
    useful = set(caps.loc[caps["service"].isin(needed), "org_id"])
    useless = sorted(set(ds["organizations"]["org_id"]) - useful)[0]
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/change",
        data={"org": [rec["organizations"][0]["org_id"], useless], "lead": "0"},
    )
    assert response.status_code == 422
    assert f"（{useless}）不提供" in _text(response) and "需要的任何服务" in _text(response)
    assert _group(app, village) == {}


def test_changed_group_is_approved_with_the_chosen_lead(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result, 2)
    village = rec["village_id"]
    first, second = rec["organizations"][0]["org_id"], rec["organizations"][1]["org_id"]
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/change",
        data={"org": [first, "", second], "lead": "2"},
    )
    assert response.status_code == 302
    assert _group(app, village) == {first: "member", second: "lead"}
    decision = _decision(app, run_id, village)
    assert decision["decision"] == "changed" and second in decision["note"]


def test_live_check_reports_problems_and_what_members_cover(
    officer_client, app, run_id, matcher_result
):
    rec = recommended_village(matcher_result)
    village = rec["village_id"]
    ok = officer_client.post(
        "/officer/matching/check",
        json={"run_id": run_id, "village_id": village, "orgs": [rec["organizations"][0]["org_id"]]},
    ).get_json()
    assert ok["ok"] and ok["problems"] == [] and ok["members"][0]["role"] == "lead"
    assert ok["members"][0]["covers"]
    bad = officer_client.post(
        "/officer/matching/check",
        json={"run_id": run_id, "village_id": village, "orgs": ["NOPE"] * 2},
    ).get_json()
    assert not bad["ok"]
    assert any("NOPE" in p for p in bad["problems"])


def test_reject_keeps_the_decision_and_writes_nothing(officer_client, app, run_id, matcher_result):
    rec = recommended_village(matcher_result)
    village = rec["village_id"]
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/villages/{village}/reject",
        data={"reason": "村里已有安排"},
    )
    assert response.status_code == 302
    decision = _decision(app, run_id, village)
    assert decision["decision"] == "rejected" and decision["note"] == "村里已有安排"
    assert _group(app, village) == {}
    html = _text(officer_client.get(f"/officer/matching/runs/{run_id}?status=rejected"))
    assert f'data-village="{village}"' in html


def test_accept_many_approves_each_and_reports_refusals(
    officer_client, app, run_id, matcher_result
):
    recs = [r for r in matcher_result["recommendations"] if r["organizations"]][:5]
    taken = recs[4]
    _store(app).approve_group(
        taken["village_id"],
        [GroupMember(taken["organizations"][0]["org_id"], "lead")],
        actor="officer:x",
    )
    response = officer_client.post(
        f"/officer/matching/runs/{run_id}/accept-many",
        data={"village_id": [r["village_id"] for r in recs]},
        follow_redirects=True,
    )
    html = _text(response)
    assert "已批准 4 个村的抱团" in html
    assert "未能批准" in html and "已有在帮的抱团" in html
    for rec in recs[:4]:
        assert _group(app, rec["village_id"]) == {
            m["org_id"]: m["role"] for m in rec["organizations"]
        }
        assert _decision(app, run_id, rec["village_id"])["decision"] == "accepted"
    parts = _store(app).load_dataset()["partnerships"]
    assert isinstance(parts, pd.DataFrame)
    used = parts.groupby("org_id").size()
    caps = _store(app).load_dataset()["organizations"].set_index("org_id")["max_villages"]
    assert (used <= caps.reindex(used.index)).all()


@pytest.fixture(scope="module", name="result_with_unserved")
def result_with_unserved_fixture(sample_dir):
    """The real matcher on the sample city, once two villages lost their needs and one was moved
    far out of reach (the site's world still has them as they are)."""
    from graph_schema.contract.dataset import Dataset
    from graph_schema.contract.interchange import read_data
    from matcher import recommend

    ds = read_data(sample_dir)
    tables = {name: ds[name].copy() for name in ds}
    partnered = set(tables["partnerships"]["village_id"])
    free = [v for v in tables["villages"]["village_id"] if v not in partnered]
    tables["needs"] = tables["needs"][~tables["needs"]["village_id"].isin(free[:2])]
    far = tables["villages"]["village_id"] == free[2]
    tables["villages"].loc[far, "lat"] = tables["villages"].loc[far, "lat"] + 6.0
    return recommend(Dataset(tables), max_group=4, seed=0)


def test_run_page_lists_unserved_villages_with_the_reason_in_chinese(
    officer_client, app, result_with_unserved
):
    reasons = {u.village_id: u.reason for u in result_with_unserved.unserved}
    assert sorted(reasons.values()) == ["no_needs", "no_needs", "no_provider_in_reach"]
    run = add_finished_run(app, result_with_unserved.to_dict())
    html = _text(officer_client.get(f"/officer/matching/runs/{run}"))
    assert "未能推荐的村" in html and "另有 3 个村未能推荐" in html
    for village, reason in reasons.items():
        assert f'data-village="{village}" data-reason="{reason}"' in html
    assert html.count("未登记需求") == 2 and html.count("附近没有提供所需服务的组织") == 1
    far = next(u for u in result_with_unserved.unserved if u.reason == "no_provider_in_reach")
    assert far.explanation in html


def test_run_and_review_pages_show_calibration_and_flag_the_most_uncertain(
    officer_client, app, result_with_unserved
):
    result = result_with_unserved
    flagged = [r for r in result.recommendations if r.check_by_hand]
    assert flagged and len(flagged) == round(0.1 * len(result.recommendations))
    run = add_finished_run(app, result.to_dict())
    html = _text(officer_client.get(f"/officer/matching/runs/{run}"))
    assert 'id="calibration"' in html and '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert html.count("<circle") == len(result.calibration.bins)
    assert f"建议人工核查 {len(flagged)}" in html
    only = _text(officer_client.get(f"/officer/matching/runs/{run}?check=1"))
    assert only.count('class="review-link"') == min(len(flagged), 50)
    review = _text(
        officer_client.get(f"/officer/matching/runs/{run}/villages/{flagged[0].village_id}")
    )
    assert 'id="check-by-hand"' in review and f"± {flagged[0].uncertainty:.2f}" in review
    calm = next(r for r in result.recommendations if not r.check_by_hand)
    review = _text(officer_client.get(f"/officer/matching/runs/{run}/villages/{calm.village_id}"))
    assert 'id="check-by-hand"' not in review and f"± {calm.uncertainty:.2f}" in review


def test_run_page_in_english_gives_the_reasons_in_english(
    officer_client, app, result_with_unserved
):
    run = add_finished_run(app, result_with_unserved.to_dict())
    officer_client.get("/lang/en")
    html = _text(officer_client.get(f"/officer/matching/runs/{run}"))
    assert "Villages without a recommendation" in html and "No needs listed" in html
    assert "How far to trust the predictions" in html and "To check by hand" in html
    far = next(u for u in result_with_unserved.unserved if u.reason == "no_provider_in_reach")
    assert far.explanation_en in html and far.explanation not in html
