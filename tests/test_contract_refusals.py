"""Every refusal rule of the data contract, each listed as ``file:line: column: what is wrong``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph_schema import ValidationError, read_data


def _edit(folder: Path, name: str, line: int, column: str, value: str) -> None:
    """Set one cell; ``line`` counts like an editor (the header is line 1)."""
    path = folder / f"{name}.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ValidationError) as info:
        read_data(folder)
    return [str(p) for p in info.value.problems]


def test_the_sample_is_accepted(sample_dir):
    counts = read_data(sample_dir).counts()
    assert counts["villages"] == 300 and counts["needs"] == 1064 and counts["partnerships"] == 15


@pytest.mark.parametrize(
    "name, line, column, value, expected",
    [
        ("needs", 2, "severity", "7", "needs.csv:2: severity: 7 is outside 1..5"),
        ("needs", 3, "severity", "0", "needs.csv:3: severity: 0 is outside 1..5"),
        ("needs", 4, "severity", "high", "needs.csv:4: severity: 'high' is not a whole number"),
        ("needs", 5, "severity", "2.5", "needs.csv:5: severity: '2.5' is not a whole number"),
        ("needs", 2, "service", "yoga", "needs.csv:2: service: unknown service code 'yoga'"),
        ("capabilities", 2, "level", "6", "capabilities.csv:2: level: 6 is outside 1..5"),
        ("villages", 2, "lat", "200", "villages.csv:2: lat: 200 is outside 3.5..54"),
        ("villages", 3, "lon", "-181", "villages.csv:3: lon: -181 is outside 73..136"),
        ("villages", 7, "lat", "0", "villages.csv:7: lat: 0 is outside 3.5..54 (China's extent"),
        ("villages", 8, "lon", "36.2", "villages.csv:8: lon: 36.2 is outside 73..136"),
        ("villages", 4, "lat", "north", "villages.csv:4: lat: 'north' is not a number"),
        ("villages", 5, "name", "", "villages.csv:5: name: required value is empty"),
        ("villages", 6, "population", "-3", "villages.csv:6: population: -3 is outside 0.."),
        (
            "organizations",
            2,
            "kind",
            "company",
            "organizations.csv:2: kind: unknown kind code 'company'",
        ),
        (
            "organizations",
            3,
            "max_villages",
            "-1",
            "organizations.csv:3: max_villages: -1 is outside 0..",
        ),
        ("organizations", 4, "rating", "6", "organizations.csv:4: rating: 6 is outside 0..5"),
        (
            "organizations",
            5,
            "has_party_branch",
            "maybe",
            "organizations.csv:5: has_party_branch: 'maybe' is not true or false",
        ),
        (
            "projects",
            2,
            "start_date",
            "2019/03/01",
            "projects.csv:2: start_date: '2019/03/01' is not an ISO date",
        ),
        ("reviews", 2, "score", "101", "reviews.csv:2: score: 101 is outside 0..100"),
        ("partnerships", 2, "role", "boss", "partnerships.csv:2: role: unknown role code 'boss'"),
        (
            "volunteers",
            2,
            "hours_per_month",
            "-5",
            "volunteers.csv:2: hours_per_month: -5 is outside 0..744",
        ),
    ],
)
def test_types_ranges_and_codes(sample_copy, name, line, column, value, expected):
    _edit(sample_copy, name, line, column, value)
    problems = _problems(sample_copy)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    "name, column, ref_value, expected",
    [
        ("needs", "village_id", "V999999", "needs.csv:2: village_id: unknown village 'V999999'"),
        (
            "capabilities",
            "org_id",
            "O999999",
            "capabilities.csv:2: org_id: unknown organization 'O999999'",
        ),
        (
            "reviews",
            "project_id",
            "J999999",
            "reviews.csv:2: project_id: unknown project 'J999999'",
        ),
        (
            "volunteers",
            "org_id",
            "O999999",
            "volunteers.csv:2: org_id: unknown organization 'O999999'",
        ),
        (
            "volunteer_skills",
            "volunteer_id",
            "P9999999",
            "volunteer_skills.csv:2: volunteer_id: unknown volunteer 'P9999999'",
        ),
        (
            "partnerships",
            "village_id",
            "V999999",
            "partnerships.csv:2: village_id: unknown village 'V999999'",
        ),
        (
            "project_orgs",
            "org_id",
            "O999999",
            "project_orgs.csv:2: org_id: unknown organization 'O999999'",
        ),
    ],
)
def test_references_to_ids_that_do_not_exist(sample_copy, name, column, ref_value, expected):
    _edit(sample_copy, name, 2, column, ref_value)
    assert expected in _problems(sample_copy)


def test_duplicate_ids_name_the_first_line(sample_copy):
    _edit(sample_copy, "organizations", 10, "org_id", "O000000")
    assert any(
        p.startswith("organizations.csv:10: org_id: duplicate org_id='O000000' (first on line 2)")
        for p in _problems(sample_copy)
    )


def test_duplicate_composite_key(sample_copy):
    with (sample_copy / "needs.csv").open("a", encoding="utf-8") as f:
        f.write("V000000,elder_care,2\n")
    problems = _problems(sample_copy)
    assert any(p.startswith("needs.csv:1066: village_id,service: duplicate") for p in problems), (
        problems
    )


def test_missing_required_column(sample_copy):
    path = sample_copy / "needs.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text(
        "\n".join(",".join(line.split(",")[:2]) for line in lines) + "\n", encoding="utf-8"
    )
    assert "needs.csv:1: severity: required column is missing" in _problems(sample_copy)


def test_missing_required_file(sample_copy):
    (sample_copy / "capabilities.csv").unlink()
    assert "capabilities.csv: required file is missing" in _problems(sample_copy)


def test_optional_files_may_be_absent(sample_copy):
    for name in (
        "volunteers",
        "volunteer_skills",
        "projects",
        "project_orgs",
        "reviews",
        "partnerships",
    ):
        (sample_copy / f"{name}.csv").unlink()
    assert read_data(sample_copy).counts()["reviews"] == 0


def test_unknown_columns_and_free_column_order_are_accepted(sample_copy):
    path = sample_copy / "needs.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    rows = [[r[2], r[0], r[1], "note"] for r in rows]
    rows[0][3] = "remark"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    assert read_data(sample_copy).counts()["needs"] == 1064


def test_bom_is_accepted(sample_copy):
    path = sample_copy / "villages.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    assert read_data(sample_copy).counts()["villages"] == 300


def test_neither_utf8_nor_gbk_is_a_problem_of_its_line(sample_copy):
    path = sample_copy / "villages.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4] + b"\xff\xfe"  # no UTF-8 and no GB18030 text holds these bytes
    path.write_bytes(b"\n".join(lines))
    problems = _problems(sample_copy)
    assert (
        'villages.csv:5: is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8"' in problems
    )
    assert not any("byte" in p for p in problems)


def test_every_problem_is_listed_not_only_the_first(sample_copy):
    _edit(sample_copy, "needs", 2, "severity", "7")
    _edit(sample_copy, "needs", 3, "service", "yoga")
    _edit(sample_copy, "villages", 2, "lat", "200")
    _edit(sample_copy, "capabilities", 2, "org_id", "O999999")
    assert len(_problems(sample_copy)) == 4
