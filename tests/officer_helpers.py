"""Helpers for the officer tests: a finished matcher run computed once by the real matcher."""

from __future__ import annotations

import json

import pytest

from graph_schema.store.base import now_iso


@pytest.fixture(scope="session", name="matcher_result")
def matcher_result_fixture(sample_dir):
    """The real matcher's recommendations for the sample city (computed once per session)."""
    from graph_schema.contract.interchange import read_data
    from matcher import recommend

    return recommend(read_data(sample_dir), max_group=4, seed=0).to_dict()


def add_finished_run(app, result: dict, max_group: int = 4) -> int:
    """Keep ``result`` as a finished run in the app's site database (as a background run would)."""
    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    with app.app_context():
        db = get_session()
        run = MatcherRun(
            started_by="officer:officer",
            started_at=now_iso(),
            finished_at=now_iso(),
            status="done",
            stage="explanations",
            done=7,
            total=7,
            max_group=max_group,
            result_json=json.dumps(result, ensure_ascii=False),
        )
        db.add(run)
        db.commit()
        return int(run.id)


@pytest.fixture(name="run_id")
def run_id_fixture(app, matcher_result) -> int:
    return add_finished_run(app, matcher_result)


def recommended_village(result: dict, min_members: int = 1) -> dict:
    """The first recommendation with at least ``min_members`` organizations."""
    return next(r for r in result["recommendations"] if len(r["organizations"]) >= min_members)
