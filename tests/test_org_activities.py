"""An organization records activities in its villages with volunteers' hours (帮扶台账)."""

from __future__ import annotations

import pytest

from tests.test_org_hours import signed_in  # noqa: F401 (fixture)

__all__: list[str] = []


def _supported(store, org_id: str) -> str:
    partners = store.query("partnerships", {"org_id": org_id})
    if partners.empty:
        pytest.skip("the demo organization account supports no village in this world")
    return partners["village_id"].iloc[0]


def test_an_activity_with_volunteers_is_recorded_in_one_go(signed_in, app):  # noqa: F811
    client, org_id = signed_in
    store = app.extensions["baotuan_store"]
    village = _supported(store, org_id)
    mine = store.query("volunteers", {"org_id": org_id})["volunteer_id"].tolist()[:2]
    form = {
        "village_id": village,
        "service": "medical",
        "date": "2026-05-03",
        "beneficiaries": "85",
        "note": "义诊：量血压",
        **{f"hours_{vid}": h for vid, h in zip(mine, ["6", "2.5"], strict=False)},
    }
    response = client.post("/organization/activities", data=form)
    assert response.status_code == 302
    acts = store.query("activities", {"org_id": org_id})
    recorded = acts[acts["note"] == "义诊：量血压"]
    assert len(recorded) == 1 and recorded["beneficiaries"].iloc[0] == 85
    activity_id = recorded["activity_id"].iloc[0]
    hours = store.query("activity_volunteers", {"activity_id": activity_id})
    assert sorted(hours["hours"]) == sorted([6.0, 2.5][: len(mine)])
    page = client.get("/organization/activities").get_data(as_text=True)
    assert "义诊：量血压" in page and "帮扶台账" in page


def test_a_wrong_activity_is_refused_whole_with_a_message_per_field(signed_in, app):  # noqa: F811
    client, org_id = signed_in
    store = app.extensions["baotuan_store"]
    village = _supported(store, org_id)
    others = store.query("volunteers")
    stranger = others.loc[others["org_id"] != org_id, "volunteer_id"].iloc[0]
    supported = set(store.query("partnerships", {"org_id": org_id})["village_id"])
    elsewhere = next(v for v in store.query("villages")["village_id"] if v not in supported)
    before = len(store.query("activities"))
    bad = {"village_id": elsewhere, "service": "medical", "date": "2026-13-01"}
    html = client.post("/organization/activities", data=bad).get_data(as_text=True)
    assert "只能记录本组织正在帮扶的村" in html and "2026-13-01" in html
    strangers = {
        "village_id": village,
        "service": "medical",
        "date": "2026-05-03",
        f"hours_{stranger}": "3",
    }
    response = client.post("/organization/activities", data=strangers)
    assert response.status_code == 400
    assert "不是本组织的志愿者" in response.get_data(as_text=True)
    assert len(store.query("activities")) == before
