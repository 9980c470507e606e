"""An officer reads a village's assistance ledger (帮扶台账): activities and a timeline."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

__all__: list[str] = []


def test_a_village_ledger_lists_its_activities_and_a_monthly_timeline(officer_client, app):
    store = app.extensions["baotuan_store"]
    world = store.load_dataset()
    village = world["villages"]["village_id"].iloc[0]
    org_id = world["organizations"]["org_id"].iloc[0]
    volunteer = world["volunteers"]["volunteer_id"].iloc[0]
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["L-A1", "L-A2", "L-A3"],
                "village_id": [village] * 3,
                "org_id": [org_id] * 3,
                "service": ["medical", "education", "medical"],
                "date": ["2026-05-03", "2026-05-20", "2026-07-01"],
                "beneficiaries": [120, None, 35],
                "value_yuan": [None, 2000.0, None],
                "note": ["义诊筛查", "捐赠图书", None],
            }
        ),
        actor="test",
    )
    store.upsert_rows(
        "activity_volunteers",
        pd.DataFrame({"activity_id": ["L-A1"], "volunteer_id": [volunteer], "hours": [6.5]}),
        actor="test",
    )
    village_page = officer_client.get(f"/officer/villages/{village}").get_data(as_text=True)
    assert f"/officer/villages/{village}/ledger" in village_page
    html = officer_client.get(f"/officer/villages/{village}/ledger").get_data(as_text=True)
    assert html.count('class="ledger-activity"') == 3
    assert "义诊筛查" in html and "捐赠图书" in html and "6.5 h" in html
    # newest first; the timeline has May (2 activities, 120 people) and July
    assert html.index("2026-07-01") < html.index("2026-05-20") < html.index("2026-05-03")
    assert html.count('class="ledger-month"') == 2
    assert "<td>2026-05</td><td>2</td>" in html


def test_an_unknown_village_has_no_ledger(officer_client):
    assert officer_client.get("/officer/villages/NO-SUCH/ledger").status_code == 404


def test_the_county_ledger_charts_activities_and_warns_of_quiet_villages(officer_client, app):
    store = app.extensions["baotuan_store"]
    world = store.load_dataset()
    partners = world["partnerships"]
    villages = world["villages"].set_index("village_id")
    active = partners["village_id"].iloc[0]
    county = villages.loc[active, "county"]
    supported = set(partners["village_id"]) & set(villages.index[villages["county"] == county])
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["C-A1", "C-A2"],
                "village_id": [active] * 2,
                "org_id": [partners["org_id"].iloc[0]] * 2,
                "service": ["medical", "education"],
                "date": [str(today - dt.timedelta(days=3)), str(today - dt.timedelta(days=40))],
            }
        ),
        actor="test",
    )
    dashboard = officer_client.get("/officer/").get_data(as_text=True)
    assert "/officer/ledger" in dashboard  # in the officers' navigation
    html = officer_client.get("/officer/ledger", query_string={"county": county}).get_data(
        as_text=True
    )
    assert 'class="activity-chart"' in html and html.count("<rect x=") == 2
    # every other supported village of the county has had no activity: all are warned of
    assert html.count('class="idle-village"') == len(supported) - 1
    assert f"/officer/villages/{active}/ledger" not in html.split('id="idle-villages"')[1]


def test_the_county_ledger_counts_volunteer_person_times_and_hours(officer_client, app):
    store = app.extensions["baotuan_store"]
    world = store.load_dataset()
    village = world["villages"].iloc[0]
    org_id = world["organizations"]["org_id"].iloc[0]
    people = world["volunteers"]["volunteer_id"].iloc[:2].tolist()
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["H-A1", "H-A2"],
                "village_id": [village["village_id"]] * 2,
                "org_id": [org_id] * 2,
                "service": ["medical", "medical"],
                "date": ["2025-03-01", "2025-04-01"],
            }
        ),
        actor="test",
    )
    store.upsert_rows(
        "activity_volunteers",
        pd.DataFrame(
            {
                "activity_id": ["H-A1", "H-A1", "H-A2"],
                "volunteer_id": people + people[:1],
                "hours": [3.0, 4.0, 2.5],
            }
        ),
        actor="test",
    )
    html = officer_client.get(
        "/officer/ledger", query_string={"county": village["county"], "year": 2025}
    ).get_data(as_text=True)
    section = html.split('id="volunteer-hours"')[1].split("</section>")[0]
    assert section.count('class="hours-row"') == 1
    assert "<td>3</td><td>9.5</td>" in section  # 3 人次, 9.5 hours of 健康义诊 in 2025


def test_the_city_table_counts_every_county_for_a_city_officer_only(officer_client, app):
    from tests.webapp_fixtures import login
    from webapp.accounts.operations import create_user

    store = app.extensions["baotuan_store"]
    villages = store.query("villages").drop_duplicates("county").head(2)
    (v1, c1), (v2, c2) = villages[["village_id", "county"]].itertuples(index=False)
    org_id = store.query("organizations")["org_id"].iloc[0]
    people = store.query("volunteers")["volunteer_id"].iloc[:2].tolist()
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["T-A1", "T-A2"],
                "village_id": [v1, v2],
                "org_id": [org_id] * 2,
                "service": ["medical", "visiting"],
                "date": ["2024-03-01", "2024-04-01"],
            }
        ),
        actor="test",
    )
    store.upsert_rows(
        "activity_volunteers",
        pd.DataFrame(
            {
                "activity_id": ["T-A1", "T-A1", "T-A2"],
                "volunteer_id": people + people[:1],
                "hours": [3.0, 4.0, 2.5],
            }
        ),
        actor="test",
    )

    def rows(client) -> dict[str, list[str]]:
        html = client.get("/officer/ledger", query_string={"year": 2024}).get_data(as_text=True)
        section = html.split('id="city-hours"')[1].split("</section>")[0]
        found = {}
        for part in section.split('class="city-hours-row" data-county="')[1:]:
            county, cells = part.split('"', 1)
            texts = re.findall(r"<td>(.*?)</td>", cells.split("</tr>")[0])
            found[county] = [re.sub(r"<[^>]+>", "", t) for t in texts[1:]]
        return found

    city = rows(officer_client)
    # 健康义诊 then 走访慰问: 人次 and hours each, then the county's 人次 and hours
    assert city[c1] == ["2", "7", "0", "0", "2", "7"]
    assert city[c2] == ["0", "0", "1", "2.5", "1", "2.5"]
    assert city["合计"] == ["2", "7", "1", "2.5", "3", "9.5"]
    with app.app_context():
        create_user("ledger-county", "Ledger-2024-qq", "officer", county=c2, actor="test")
    county_officer = login(app.test_client(), "ledger-county", "Ledger-2024-qq")
    assert set(rows(county_officer)) == {c2, "合计"}
