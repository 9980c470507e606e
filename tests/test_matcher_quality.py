"""What the history says about who works well with whom reaches the recommended groups.

Small hand-made worlds (tests/support/worlds.py): one village, a lead, a crowd of nearby providers
and a partner whose joint record with the lead is good, bad or ordinary. Each test also runs the
world where the record is ordinary, so that it fails if the history made no difference.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import MatcherError, recommend
from matcher.effects import pseudo_count
from tests.support.worlds import tiny_dataset

VILLAGE = ("V1", 36.0, 117.0, {"medical": 3, "education": 3})
#: about 1 km per 0.011° of longitude at this latitude
KM = 1.0 / 90.0


def _dates(n: int, start: int = 2014):
    return [f"{start + i % 8}-{1 + i % 12:02d}-15" for i in range(n)]


def _crowd(n: int = 26):
    """``n`` education providers 2–12 km from the village, each with a few ordinary reviews."""
    orgs, projects = [], []
    for i in range(n):
        o = f"E{i:02d}"
        orgs.append((o, 36.0, 117.0 + (2 + 10 * i / n) * KM, 2, {"education": 3}))
        for k, d in enumerate(_dates(2, 2014 + i % 5)):
            projects.append((f"J{o}{k}", "education", [o], None, 52.0 + (i + k) % 5, d))
    return orgs, projects


def _record(service: str, team: list[str], score: float, n: int, start: int = 2014):
    """``n`` reviewed projects of ``team`` in ``service`` scoring about ``score``."""
    name = "".join(team)
    return [
        (f"J{name}{k}", service, team, None, score + k % 3, d)
        for k, d in enumerate(_dates(n, start))
    ]


def _collaborator_world(joint_score: float):
    """Lead L (medical) with a far partner P (education, 60 km): ``joint_score`` is their record."""
    orgs, projects = _crowd()
    orgs += [
        ("L", 36.0, 117.0 + 3 * KM, 2, {"medical": 4}),
        ("P", 36.0, 117.0 + 60 * KM, 2, {"education": 3}),
    ]
    for k, d in enumerate(_dates(8)):
        projects.append((f"JLP{k}", "medical", ["L", "P"], None, joint_score + k % 3, d))
    for k, d in enumerate(_dates(4, 2015)):
        projects.append((f"JL{k}", "medical", ["L", f"E{k:02d}"], None, 54.0 + k % 3, d))
        projects.append((f"JP{k}", "education", ["P"], None, 50.0 + k % 3, d))
    return tiny_dataset([VILLAGE], orgs, projects=projects)


def _members(result) -> set[str]:
    (rec,) = result.recommendations
    return {m.org_id for m in rec.members}


def test_a_proven_collaborator_beyond_the_nearest_is_proposed_when_it_pays():
    good = recommend(_collaborator_world(joint_score=88.0), seed=0, evaluate=False)
    assert {"L", "P"} <= _members(good)
    # 26 education providers are nearer than P: only the history brings P in
    ordinary = recommend(_collaborator_world(joint_score=54.0), seed=0, evaluate=False)
    assert "P" not in _members(ordinary) and "L" in _members(ordinary)


def _rivals_world(joint_score: float):
    """A (medical) and B (education) are the best near providers; their joint record is given.

    C (education, a little farther, a little lower level) works fine with A.
    """
    orgs, projects = _crowd(12)
    orgs += [
        ("A", 36.0, 117.0 + 2 * KM, 2, {"medical": 4}),
        ("B", 36.0, 117.0 + 2.5 * KM, 2, {"education": 5}),
        ("C", 36.0, 117.0 + 8 * KM, 2, {"education": 3}),
    ]
    projects += _record("medical", ["A", "B"], joint_score, 8)
    projects += _record("medical", ["A"], 62.0, 5, 2015)
    projects += _record("education", ["B"], 62.0, 5, 2015)
    projects += _record("medical", ["A", "C"], 60.0, 5, 2015)
    return tiny_dataset([VILLAGE], orgs, projects=projects)


def test_a_pair_with_a_bad_joint_record_is_kept_apart():
    bad = _members(recommend(_rivals_world(joint_score=31.0), seed=0, evaluate=False))
    assert not {"A", "B"} <= bad
    assert "A" in bad or "B" in bad  # one of them still serves the village
    fine = _members(recommend(_rivals_world(joint_score=64.0), seed=0, evaluate=False))
    assert {"A", "B"} <= fine


def _support_world(joint_score: float):
    """A village that needs only medical care; L and S both provide it, with a joint record."""
    orgs, projects = _crowd(12)
    orgs += [
        ("L", 36.0, 117.0 + 3 * KM, 2, {"medical": 4}),
        ("S", 36.0, 117.0 + 5 * KM, 2, {"medical": 2}),
    ]
    projects += _record("medical", ["L", "S"], joint_score, 8)
    projects += _record("medical", ["L"], 60.0, 5, 2015)
    projects += _record("medical", ["S"], 52.0, 5, 2015)
    # ordinary pairs of the crowd: what working together usually brings (nothing much)
    for i in range(0, 12, 2):
        for k, d in enumerate(_dates(3, 2014 + i % 4)):
            team = [f"E{i:02d}", f"E{i + 1:02d}"]
            projects.append((f"JE{i}-{k}", "education", team, None, 53.0 + (i + k) % 4, d))
    village = ("V1", 36.0, 117.0, {"medical": 4})
    return tiny_dataset([village], orgs, projects=projects)


def test_a_partner_that_leads_no_need_supports_the_lead_when_the_history_says_it_pays():
    (rec,) = recommend(_support_world(joint_score=90.0), seed=0, evaluate=False).recommendations
    by_id = {m.org_id: m for m in rec.members}
    assert set(by_id) == {"L", "S"}
    assert by_id["L"].role == "lead" and by_id["L"].covers == ["medical"]
    # S provides the service but leads nothing: it is listed as supporting, and says so
    assert by_id["S"].covers == [] and by_id["S"].supports == ["medical"]
    assert "协助" in by_id["S"].explanation and "supports" in by_id["S"].explanation_en
    # with an ordinary joint record, L alone does the job
    ordinary = recommend(_support_world(joint_score=55.0), seed=0, evaluate=False)
    assert _members(ordinary) == {"L"}


@pytest.mark.parametrize("variant", ["full", "quality_only"])
def test_same_input_same_output(variant):
    ds = _collaborator_world(joint_score=88.0)
    first = recommend(ds, seed=3, evaluate=False, variant=variant).to_contract_json()
    again = recommend(ds, seed=3, evaluate=False, variant=variant).to_contract_json()
    for doc in (first, again):
        doc["summary"].pop("seconds", None)
        doc["summary"].get("formation", {}).pop("seconds", None)
    assert first == again
    assert first["summary"]["model"]["variant"] == variant


def test_quality_only_ignores_who_worked_with_whom():
    ds = _collaborator_world(joint_score=88.0)
    result = recommend(ds, seed=0, evaluate=False, variant="quality_only")
    assert "P" not in _members(result)  # the pair's record is what brought P in
    with pytest.raises(MatcherError, match="variant"):
        recommend(ds, seed=0, evaluate=False, variant="pairs_only")


def test_shrinkage_is_chosen_from_the_data():
    rng = np.random.default_rng(1)
    keys = np.repeat(np.arange(300), 4)
    # organizations differ a lot and reviews are precise: trust a short record
    assert pseudo_count(keys, rng.normal(0, 8, 300)[keys] + rng.normal(0, 2, 1200)) < 0.5
    # organizations barely differ and reviews are noisy: trust it little
    assert pseudo_count(keys, rng.normal(0, 0.5, 300)[keys] + rng.normal(0, 8, 1200)) > 20


def _specialist_world(s_medical: float):
    """S, the nearest, provides both services at level 4; 40 others provide both at level 3.

    Every organization's record is above its mean in one service and as far below in the other:
    the others by 0 to 35 points, alternately; S by ``s_medical`` in medical care (negative: S is
    the one good at education). Its overall record is the same whatever ``s_medical``: only the
    record by service tells the worlds apart.
    """
    orgs, projects = [], []
    services = ("medical", "education")
    for i in range(40):
        o, km = f"X{i:02d}", 4 + 11 * i / 40
        orgs.append((o, 36.0, 117.0 + km * KM, 2, dict.fromkeys(services, 3)))
        for j, service in enumerate(services):
            # projects in the village: nearer organizations did better there
            split = 0.9 * i if (i + j) % 2 == 0 else -0.9 * i
            score = 70.0 - km + split
            for k, d in enumerate(_dates(5, 2014 + (i + j) % 3)):
                projects.append((f"J{o}{service}{k}", service, [o], "V1", score + k % 3, d))
    orgs.append(("S", 36.0, 117.0 + 1 * KM, 2, dict.fromkeys(services, 4)))
    for j, service in enumerate(services):
        score = 58.0 + (s_medical if j == 0 else -s_medical)
        for k, d in enumerate(_dates(6, 2014)):
            projects.append((f"JS{service}{k}", service, ["S"], "V1", score + k % 3, d))
    return tiny_dataset([VILLAGE], orgs, projects=projects)


def _covered_by(result) -> dict[str, str]:
    (rec,) = result.recommendations
    return {s: m.org_id for m in rec.members for s in m.covers}


def test_an_organization_good_at_one_service_and_poor_at_another_leads_only_the_first():
    medical = _covered_by(recommend(_specialist_world(38.0), seed=0, evaluate=False))
    assert medical["medical"] == "S" and medical["education"] != "S"
    # the same overall record, good at education instead: S does the other part
    education = _covered_by(recommend(_specialist_world(-38.0), seed=0, evaluate=False))
    assert education["education"] == "S" and education["medical"] != "S"
