"""``baotuan demo``: a synthetic world that passes the data contract and that a matcher can learn from."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

from graph_schema import read_data
from graph_schema.contract.vocabulary import COUNTIES_TAIAN, ORG_KINDS, SERVICES
from graph_schema.demo import generate_world
from graph_schema.store import open_store
from webapp.cli import main


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The default city world, written by the command line and read back through the contract."""
    folder = tmp_path_factory.mktemp("demo") / "city"
    code, stderr = _run("demo", "--scale", "city", "--seed", "7", "--output", str(folder))
    assert code == 0, stderr
    return folder, read_data(folder), stderr


def test_city_world_passes_the_contract_and_has_the_expected_sizes(city):
    _, world, _ = city
    n = world.counts()
    assert n["villages"] == 300
    assert n["organizations"] == 2000
    assert n["volunteers"] == 60_000
    assert 3_000 <= n["projects"] <= 6_000
    assert 0.8 * n["projects"] <= n["reviews"] <= 1.2 * n["projects"]
    assert 1.3 * n["projects"] <= n["project_orgs"] <= 3 * n["projects"]
    assert 1.3 * n["volunteers"] <= n["volunteer_skills"] <= 2.5 * n["volunteers"]
    assert 5 <= world["partnerships"]["village_id"].nunique() <= 30


def test_city_is_taian_six_counties_within_its_box(city):
    _, world, _ = city
    villages, orgs = world["villages"], world["organizations"]
    assert set(villages["county"]) == set(COUNTIES_TAIAN)
    assert set(orgs["county"]) == set(COUNTIES_TAIAN)
    for frame in (villages, orgs, world["volunteers"]):
        assert frame["lat"].between(35.6, 36.4).all() and frame["lon"].between(116.3, 117.9).all()
    assert villages["name"].str.match(r"^[\u4e00-\u9fff]{2,5}$").all()
    assert villages["town"].str.endswith(("镇", "乡", "街道")).all()
    assert villages["name"].nunique() > 250


def test_villages_have_two_to_five_needs_and_organizations_one_to_four_services(city):
    _, world, _ = city
    per_village = world["needs"].groupby("village_id").size()
    assert len(per_village) == 300 and per_village.between(2, 5).all()
    assert set(world["needs"]["severity"]) == {1, 2, 3, 4, 5}
    common = world["needs"]["service"].value_counts()
    assert set(common.index[:4]) >= {"elder_care"}
    assert common["elder_care"] > common["emergency_relief"]
    per_org = world["capabilities"].groupby("org_id").size()
    assert len(per_org) == 2000 and per_org.between(1, 4).all()
    assert set(world["capabilities"]["service"]) == set(SERVICES)
    orgs = world["organizations"]
    assert set(orgs["kind"]) == set(ORG_KINDS)
    assert orgs["max_villages"].between(1, 5).all() and orgs["rating"].between(0, 5).all()
    assert orgs["name"].str.endswith(("协会", "联合会", "服务中心", "基金会")).all()
    assert orgs["has_party_branch"].any() and not orgs["has_party_branch"].all()
    members = world["volunteers"]["org_id"]
    assert 0.5 < members.notna().mean() < 0.9


def test_partnerships_stay_within_max_villages_and_have_one_lead(city):
    _, world, _ = city
    pairs = world["partnerships"]
    used = pairs.groupby("org_id").size()
    limit = world["organizations"].set_index("org_id")["max_villages"]
    assert (used <= limit[used.index]).all()
    assert (pairs[pairs["role"] == "lead"].groupby("village_id").size() == 1).all()
    assert set(pairs["village_id"]) == set(pairs.loc[pairs["role"] == "lead", "village_id"])


def test_progress_is_shown_on_stderr(city):
    _, _, stderr = city
    for stage in (
        "villages",
        "organizations",
        "volunteers",
        "projects",
        "reviews",
        "wrote volunteers",
    ):
        assert f"demo: {stage}" in stderr
    assert "60,000 rows" in stderr


def test_review_scores_carry_what_a_matcher_should_learn(city):
    _, world, _ = city
    projects = world["projects"].merge(world["reviews"], on="project_id")
    orgs = world["organizations"].set_index("org_id")
    rating = orgs.loc[projects["lead_org_id"], "rating"].to_numpy()
    rated = rating > 0
    assert np.corrcoef(rating[rated], projects["score"][rated])[0, 1] > 0.2
    needs = world["needs"].assign(needed=True)
    with_need = projects.merge(needs, on=["village_id", "service"], how="left")
    needed = with_need["needed"].fillna(False).astype(bool)
    assert (
        with_need.loc[needed, "score"].mean()
        > with_need.loc[~needed & with_need["village_id"].notna(), "score"].mean() + 5
    )
    # teams: some pairs of organizations work together on several projects
    po = world["project_orgs"]
    pairs = po.merge(po, on="project_id")
    pairs = pairs[pairs["org_id_x"] < pairs["org_id_y"]]
    assert (pairs.groupby(["org_id_x", "org_id_y"]).size() >= 3).sum() >= 20
    assert projects["score"].between(0, 100).all() and projects["score"].std() > 8


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path):
    folders = {}
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        folders[name] = tmp_path / name
        code, stderr = _run(
            "demo", "--seed", seed, "--volunteers", "2000", "--output", str(folders[name])
        )
        assert code == 0, stderr
    files = sorted(p.name for p in folders["a"].iterdir())
    assert len(files) == 12  # every file of the contract
    for f in files:
        assert (folders["a"] / f).read_bytes() == (folders["b"] / f).read_bytes(), f
    # The demo records no activities: the ledger files hold their headers only.
    ledger = {"activities.csv", "activity_volunteers.csv"}
    made = [f for f in files if f not in ledger]
    assert all((folders["a"] / f).read_bytes() != (folders["c"] / f).read_bytes() for f in made)


def test_demo_without_output_imports_into_the_store(tmp_path):
    db = tmp_path / "demo.sqlite"
    code, stderr = _run("--store", str(db), "demo", "--volunteers", "1500", "--seed", "2")
    assert code == 0, stderr
    assert "imported" in stderr
    with open_store(db) as store:
        counts = store.counts()
        assert counts == generate_world("city", seed=2, volunteers=1500).counts()
        assert counts["volunteers"] == 1500 and counts["villages"] == 300


def test_xlsx_output_reads_back(tmp_path):
    book = tmp_path / "demo.xlsx"
    code, stderr = _run("demo", "--volunteers", "300", "--output", str(book))
    assert code == 0, stderr
    world = read_data(book)
    assert world.counts()["volunteers"] == 300 and world.counts()["villages"] == 300


def test_xlsx_output_too_large_for_excel_is_refused_before_writing(tmp_path):
    book = tmp_path / "big.xlsx"
    code, stderr = _run("demo", "--volunteers", "1100000", "--output", str(book))
    assert code == 2
    assert "at most 1,048,576 rows" in stderr and "volunteers" in stderr
    assert not book.exists()


def test_province_scale_in_small_sizes_spreads_over_a_shandong_like_province():
    world = generate_world("province", seed=1, volunteers=1000)
    villages = world["villages"]
    assert len(villages) == 10_000 and len(world["organizations"]) == 60_000
    assert villages["county"].nunique() > 100
    assert villages["lat"].between(34.4, 38.3).all() and villages["lon"].between(114.8, 122.7).all()
    assert pd.Series(world["organizations"]["name"]).duplicated().mean() < 0.01
