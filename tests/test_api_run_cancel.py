"""``POST /api/v1/recommendations/runs/{id}/cancel``: the officer's cancel button, through the API."""

from __future__ import annotations

from tests.test_api import token_for


def test_a_running_run_is_cancelled_through_the_api_once(app, client):
    from webapp.services.run_rows import insert_run
    from webapp.services.runs import get_run

    with app.app_context():  # a run going on on another machine of the site
        run_id = insert_run("officer:officer", 3, "another-machine:4242")
    officer = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    response = client.post(f"/api/v1/recommendations/runs/{run_id}/cancel", headers=officer)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    with app.app_context():
        assert get_run(run_id, with_result=False).status == "cancelled"
    again = client.post(f"/api/v1/recommendations/runs/{run_id}/cancel", headers=officer)
    assert again.status_code == 409
    missing = client.post("/api/v1/recommendations/runs/999999/cancel", headers=officer)
    assert missing.status_code == 404
    org = {"Authorization": f"Bearer {token_for(app, 'org')}"}
    assert (
        client.post(f"/api/v1/recommendations/runs/{run_id}/cancel", headers=org).status_code == 403
    )
    entry = app.extensions["baotuan_store"].audit_log(action="matcher_run_cancelled")[0]
    assert entry.actor == "officer:officer" and entry.target == f"run:{run_id}"
