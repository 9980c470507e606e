"""What the officer pages keep in memory never shows an officer something stale.

The pages cache the store's view, the dashboard's figures, parsed matcher results and the
volunteers they read (``webapp/officer/world_cache.py``); these tests change the data behind
them and check what the officer sees next. Several worker processes: ``test_serve_workers.py``.
"""

from __future__ import annotations

import copy
import re
import socket
import subprocess
import sys

import pytest

from graph_schema.store.base import now_iso
from tests.officer_helpers import (  # noqa: F401  (fixtures, by their names)
    add_finished_run,
    matcher_result_fixture,
    recommended_village,
    run_id_fixture,
)
from tests.webapp_fixtures import _copy_store, login


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_run_shows_its_own_recommendations(officer_client, app, run_id, matcher_result):
    rec = recommended_village(matcher_result, 2)
    second = copy.deepcopy(matcher_result)
    changed = next(r for r in second["recommendations"] if r["village_id"] == rec["village_id"])
    changed["explanation"] = "第二次匹配：只推荐牵头组织"
    changed["organizations"] = changed["organizations"][:1]
    page = f"/officer/villages/{rec['village_id']}"
    first_html = _text(
        officer_client.get(f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}")
    )
    assert rec["explanation"] in first_html  # the first run, parsed and kept
    second_id = add_finished_run(app, second)
    html = _text(
        officer_client.get(f"/officer/matching/runs/{second_id}/villages/{rec['village_id']}")
    )
    assert "第二次匹配：只推荐牵头组织" in html and rec["explanation"] not in html
    assert f"最近一次匹配（#{second_id}）推荐" in _text(officer_client.get(page))
    again = _text(
        officer_client.get(f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}")
    )
    assert rec["explanation"] in again


def test_two_sites_with_the_same_run_number_each_show_their_own(
    officer_client, run_id, matcher_result, tmp_path, seeded_store_file
):
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    rec = recommended_village(matcher_result, 2)
    other_result = copy.deepcopy(matcher_result)
    for r in other_result["recommendations"]:
        r["explanation"] = "另一个网站的推荐"
    store = _copy_store(seeded_store_file, tmp_path / "other.sqlite")
    other = create_app(
        {
            "INSTANCE": str(tmp_path / "other-instance"),
            "STORE": str(store),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "other",
        }
    )
    try:
        ensure_demo_accounts(other)
        assert add_finished_run(other, other_result) == run_id
        url = f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}"
        assert rec["explanation"] in _text(officer_client.get(url))
        assert "另一个网站的推荐" in _text(login(other.test_client(), "officer").get(url))
        assert rec["explanation"] in _text(officer_client.get(url))
    finally:
        other.extensions["baotuan_store"].close()


def test_a_renamed_volunteer_shows_under_the_new_name(officer_client, app, run_id, matcher_result):
    rec = next(r for r in matcher_result["recommendations"] if r["volunteers"])
    url = f"/officer/matching/runs/{run_id}/villages/{rec['village_id']}"
    volunteer = rec["volunteers"][0]
    store = app.extensions["baotuan_store"]
    row = store.query("volunteers", {"volunteer_id": volunteer})
    assert row.iloc[0]["name"] in _text(officer_client.get(url))  # read and kept
    store.upsert_rows("volunteers", row.assign(name="改名后的志愿者"), actor="organization:test")
    html = _text(officer_client.get(url))
    assert "改名后的志愿者" in html


def test_ending_a_group_shows_on_the_dashboard_and_the_organization_page(officer_client, app):
    dashboard = _text(officer_client.get("/officer/"))
    supported = int(re.search(r"已帮扶 (\d+)", dashboard).group(1))
    assert "已帮扶 1 个村" in _text(officer_client.get("/officer/organizations/O001474"))
    response = officer_client.post("/officer/villages/V000276/end", data={"reason": "项目结束"})
    assert response.status_code == 302
    assert f"已帮扶 {supported - 1}" in _text(officer_client.get("/officer/"))
    assert "已帮扶 0 个村" in _text(officer_client.get("/officer/organizations/O001474"))


@pytest.fixture
def other_process():
    """A process standing in for another worker of the site (it runs a matcher run)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def test_a_run_going_on_in_another_worker_is_not_marked_interrupted(
    officer_client, app, other_process
):
    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    with app.app_context():
        db = get_session()
        db.add(
            MatcherRun(
                started_by="officer:other",
                started_at=now_iso(),
                status="running",
                stage="formation",
                done=3,
                total=7,
                max_group=4,
                owner=f"{socket.gethostname()}:{other_process.pid}",
            )
        )
        db.commit()
    html = _text(officer_client.get("/officer/matching"))
    assert "正在进行" in html and "已中断" not in html
    refused = officer_client.post("/officer/matching/runs", data={"max_group": 4})
    assert "尚未结束" in _text(officer_client.get(refused.headers["Location"]))
    other_process.kill()  # that worker died with its run
    other_process.wait()
    html = _text(officer_client.get("/officer/matching"))
    assert "已中断" in html and "正在进行" not in html


@pytest.mark.neo4j
@pytest.mark.xdist_group("neo4j")
def test_a_second_site_on_the_same_neo4j_database_reads_through_its_own_store(neo4j_store):
    """Two apps in one process on one Neo4j database share the cached view; when the first has
    closed its store, the second still reads (volunteers by id) through its own."""
    from tests.store_fixtures import open_again
    from tests.test_store_contract import small_world
    from webapp.officer.world_cache import current_world

    neo4j_store.import_dataset(small_world())
    first = open_again(neo4j_store)
    assert current_world(first).store is first
    first.close()
    world = current_world(neo4j_store)
    assert world.store is neo4j_store
    assert world.store.query("villages", {"village_id": "V1"})["village_id"].tolist() == ["V1"]
