"""Every group rule refused at every door — the officer's form, the JSON API, the command line —
with the message a user sees there, and nothing stored; a group that passes is stored at each.

This is the table of ``docs/rules.md``: one row per rule (``graph_schema.rules.RULE_CODES``), one
column per door. The groups are built from the sample city as stored, so each case breaks the one
rule it names (a case may break others too; the door must name its rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from graph_schema.rules import MAX_GROUP, RULE_CODES
from tests.officer_helpers import add_finished_run
from tests.test_api import token_for

DOORS = ("site", "api", "cli")
#: the API's status for a refusal by one rule (422 for the rules a group breaks by itself)
STATUS = {
    "unknown_village": 404,
    "unknown_organization": 404,
    "village_in_force": 409,
    "no_capacity": 409,
}


@dataclass
class Case:
    """A group for a village (org ids with their roles) and what each door shows for it."""

    village: str
    members: list[tuple[str, str]]
    max_group: int = MAX_GROUP
    site_text: str = ""  # in the page the officer sees (Chinese, the site's first language)


@dataclass
class Sample:
    free: str  # a village without a group
    taken: str  # a village with a group in force
    taken_provider: str  # an organization with capacity that provides one of taken's needs
    providers: list[str]  # organizations with capacity that provide one of free's needs
    useless: str  # an organization with capacity that provides none of free's needs
    full: str  # an organization with no capacity left that provides one of free's needs


def _sample(store) -> Sample:
    orgs = store.query("organizations")
    parts = store.query("partnerships")
    used = parts.groupby("org_id").size()
    room = orgs["max_villages"] - orgs["org_id"].map(used).fillna(0)
    left = dict(zip(orgs["org_id"], room, strict=True))
    caps = store.query("capabilities").groupby("org_id")["service"].agg(set)
    needs = store.query("needs").groupby("village_id")["service"].agg(set)
    full = sorted(o for o, n in left.items() if n <= 0 and o in caps.index)
    taken, taken_provider = next(
        (v, o)
        for v in sorted(set(parts["village_id"]) & set(needs.index))
        for o in caps.index
        if left[o] > 0 and caps[o] & needs[v]
    )
    for village in sorted(set(needs.index) - set(parts["village_id"])):
        wanted = needs[village]
        providers = sorted(o for o in caps.index if left[o] > 0 and caps[o] & wanted)
        useless = sorted(o for o in caps.index if left[o] > 0 and not caps[o] & wanted)
        fulls = [o for o in full if caps[o] & wanted]
        if len(providers) > MAX_GROUP and useless and fulls:
            return Sample(village, taken, taken_provider, providers, useless[0], fulls[0])
    raise AssertionError("the sample city has no village for every case")


def _case(rule: str, s: Sample) -> Case:
    a, b = s.providers[0], s.providers[1]
    lead_and = [(a, "lead"), (b, "member")]
    return {
        "max_group_range": Case(s.free, lead_and, 11, "每个抱团的组织数须在 1 到 10 之间"),
        "unknown_village": Case("V999999", lead_and),
        "village_in_force": Case(s.taken, [(s.taken_provider, "lead")], site_text="已有在帮的抱团"),
        "no_members": Case(s.free, [], site_text="请至少选择一个社会组织"),
        "too_many_members": Case(
            s.free,
            [(o, "lead" if i == 0 else "member") for i, o in enumerate(s.providers[:5])],
            site_text="一个抱团最多 4 个组织，现在有 5 个，请去掉 1 个",
        ),
        "lead_count": Case(s.free, [(a, "lead"), (b, "lead")], site_text="只能有一个牵头组织"),
        "duplicate_member": Case(
            s.free, [(a, "lead"), (a, "member")], site_text=f"组织 {a} 在抱团中出现了两次"
        ),
        "unknown_organization": Case(
            s.free, [(a, "lead"), ("O999999", "member")], site_text="找不到编号为 O999999"
        ),
        "no_capacity": Case(s.free, [(a, "lead"), (s.full, "member")], site_text="没有剩余容量"),
        "needs_not_provided": Case(
            s.free, [(a, "lead"), (s.useless, "member")], site_text="需要的任何服务"
        ),
    }[rule]


def _stored(store) -> tuple[list, int]:
    parts = store.query("partnerships").sort_values(["village_id", "org_id"])
    return parts.values.tolist(), len(store.audit_log(limit=10_000, action="approve_group"))


# -- the doors ------------------------------------------------------------------------------------
def _through_site(app, client, case: Case, lang: str = "") -> tuple[int, str]:
    from tests.webapp_fixtures import login

    login(client, "officer")
    if lang:  # signing in starts a new session, so the language is chosen after it
        client.get(f"/lang/{lang}")
    if case.max_group != MAX_GROUP:  # the site's max_group is chosen when a run starts
        response = client.post(
            "/officer/matching/runs", data={"max_group": str(case.max_group)}, follow_redirects=True
        )
        return response.status_code, response.get_data(as_text=True)
    result = {
        "recommendations": [
            {"village_id": case.village, "organizations": [{"org_id": o} for o, _ in case.members]}
        ],
        "summary": {},
    }
    run_id = add_finished_run(app, result, max_group=case.max_group)
    form = {
        "org": [o for o, _ in case.members] + [""],
        "lead": [str(i) for i, (_, role) in enumerate(case.members) if role == "lead"],
    }
    response = client.post(
        f"/officer/matching/runs/{run_id}/villages/{case.village}/change", data=form
    )
    return response.status_code, response.get_data(as_text=True)


def _through_api(app, client, case: Case) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    if case.max_group != MAX_GROUP:  # max_group is chosen when a run starts
        body: dict[str, Any] = {"max_group": case.max_group}
        response = client.post("/api/v1/recommendations", json=body, headers=headers)
    else:
        members = [{"org_id": o, "role": role} for o, role in case.members]
        body = {"village_id": case.village, "members": members}
        response = client.post("/api/v1/partnerships", json=body, headers=headers)
    return response.status_code, response.get_json()


def _through_cli(app, case: Case, capsys) -> tuple[int, str]:
    from webapp.cli import main

    argv = ["partnership", "add", case.village, "--store", app.extensions["baotuan_settings"].store]
    for org_id, role in case.members:
        argv += ["--lead" if role == "lead" else "--member", org_id]
    argv += ["--max-group", str(case.max_group), "--actor", "cli:test"]
    code = main(argv)
    return code, capsys.readouterr().err


# -- the table ------------------------------------------------------------------------------------
@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("rule", RULE_CODES)
def test_each_rule_is_refused_at_each_door(app, client, capsys, rule, door):
    store = app.extensions["baotuan_store"]
    case = _case(rule, _sample(store))
    before = _stored(store)
    if door == "site":
        status, page = _through_site(app, client, case)
        if rule == "unknown_village":  # the form is on a village's page: no village, no page
            assert status == 404
        else:
            assert status in (200, 422), status
            assert case.site_text in page
            assert status == 422 or 'class="flash flash-error"' in page
    elif door == "api":
        status, body = _through_api(app, client, case)
        error = body["error"]
        if rule == "max_group_range":
            assert status == 422
            assert error["details"]["max_group"] == [
                "organizations per group must be between 1 and 10, not 11"
            ]
        else:
            expected = STATUS.get(rule, 422)
            assert status == expected, body
            problems = error["details"]["problems"]
            assert rule in [p["code"] for p in problems]
            shown = next(p for p in problems if p["code"] == rule)
            assert shown["message"] and shown["where"] and shown["what"] in error["message"]
            if case.site_text:
                assert any(case.site_text in p["message"] for p in problems)
    else:
        code, err = _through_cli(app, case, capsys)
        assert code == 1, err
        assert "refused, nothing stored" in err and f"[{rule}]" in err
    assert _stored(store) == before


@pytest.mark.parametrize("door", DOORS)
def test_a_group_within_the_rules_is_stored_at_each_door(app, client, capsys, door):
    store = app.extensions["baotuan_store"]
    sample = _sample(store)
    case = Case(sample.free, [(sample.providers[0], "lead"), (sample.providers[1], "member")])
    if door == "site":
        status, _page = _through_site(app, client, case)
        assert status == 302
    elif door == "api":
        status, body = _through_api(app, client, case)
        assert status == 201, body
    else:
        code, err = _through_cli(app, case, capsys)
        assert code == 0, err
    stored = store.query("partnerships", {"village_id": sample.free})
    assert dict(zip(stored["org_id"], stored["role"], strict=True)) == dict(case.members)


def test_a_group_without_a_named_lead_is_led_by_its_first_member(app, client, capsys):
    store = app.extensions["baotuan_store"]
    sample = _sample(store)
    case = Case(sample.free, [(sample.providers[1], "member"), (sample.providers[0], "member")])
    code, err = _through_cli(app, case, capsys)
    assert code == 0, err
    stored = store.query("partnerships", {"village_id": sample.free})
    assert dict(zip(stored["org_id"], stored["role"], strict=True)) == {
        sample.providers[1]: "lead",
        sample.providers[0]: "member",
    }


def test_the_web_doors_speak_the_visitors_language(app, client):
    """The same problem in English for a visitor who chose it (flask-babel), at the site form."""
    store = app.extensions["baotuan_store"]
    case = _case("too_many_members", _sample(store))
    status, page = _through_site(app, client, case, lang="en")
    assert status == 422
    assert "A group has at most 4 organizations; this one has 5: remove 1" in page
    assert "一个抱团最多" not in page


def test_a_group_larger_than_any_run_allows_is_refused_by_its_size(app, client):
    """Eleven members or more: refused for the size alone (no record is looked up for them)."""
    store = app.extensions["baotuan_store"]
    members = [(f"O9{i:05d}", "member") for i in range(11)]
    status, body = _through_api(app, client, Case(_sample(store).free, members))
    assert status == 422
    assert [p["code"] for p in body["error"]["details"]["problems"]] == ["too_many_members"]
