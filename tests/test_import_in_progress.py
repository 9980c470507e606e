"""While a large (staged) import is applied to Neo4j, a write through the site or the API that
waits too long for it gets 503 with ``Retry-After`` and a page that says what is happening —
never a server error — and nothing of it is half-written."""

from __future__ import annotations

import threading
import time

import pytest

from graph_schema import Dataset
from tests.store_fixtures import NEO4J_MARKS
from tests.test_neo4j_staged_import import pause_after_first_apply, staged, with_partnership

pytestmark = list(NEO4J_MARKS)

PASSWORD = "Second-desk-2020"


def renamed() -> Dataset:
    """``with_partnership()`` with every village renamed: what the big import brings."""
    world = with_partnership()
    villages = world["villages"].assign(name=world["villages"]["name"] + "·新")
    return Dataset({**world, "villages": villages})


@pytest.fixture
def paused_import(neo4j_store, neo4j_uri):
    """V1 supported by O1; a staged import of ``renamed()`` held after its first applied batch."""
    neo4j_store.import_dataset(with_partnership())
    applying, go, pause = pause_after_first_apply()
    importer = staged(neo4j_uri, progress=pause)
    loading = threading.Thread(target=importer.import_dataset, args=(renamed(),))
    loading.start()
    try:
        assert applying.wait(60)
        yield go
    finally:
        go.set()
        loading.join(60)
        importer.close()


@pytest.fixture
def site(tmp_path, neo4j_uri, monkeypatch):
    from webapp import create_app
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import create_user, issue_api_token

    monkeypatch.setenv("BAOTUAN_NEO4J_IMPORT_WAIT", "1")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path / "instance"),
            "STORE": neo4j_uri,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        create_user("busy-officer", PASSWORD, "officer", actor="test-setup")
        token = issue_api_token(User.from_row(find_by_username("busy-officer")), "test-setup")
    yield app, token
    app.extensions["baotuan_store"].close()


def test_the_site_says_an_import_is_running_and_changes_nothing(neo4j_store, paused_import, site):
    app, _ = site
    client = app.test_client()
    assert (
        client.post("/login", data={"username": "busy-officer", "password": PASSWORD}).status_code
        == 302
    )
    response = client.post("/officer/villages/V1/end", data={"reason": "测试"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "正在导入数据" in page and "没有任何内容被改动" in page
    english = app.test_client()
    english.post("/login", data={"username": "busy-officer", "password": PASSWORD})
    english.get("/lang/en")
    page = english.post("/officer/villages/V1/end", data={"reason": "test"}).get_data(as_text=True)
    assert "An import is being applied" in page
    paused_import.set()  # the import finishes, whole; V1's group was not ended
    for _ in range(600):
        if neo4j_store.import_jobs() == []:
            break
        time.sleep(0.1)
    assert neo4j_store.load_dataset().equals(renamed())


def test_the_api_answers_503_in_json(neo4j_store, paused_import, site):
    app, token = site
    response = app.test_client().post(
        "/api/v1/partnerships",
        json={"village_id": "V2", "members": [{"org_id": "O2", "role": "lead"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    error = response.get_json()["error"]
    assert error["status"] == 503 and "import" in error["message"]
    paused_import.set()
