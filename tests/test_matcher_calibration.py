"""Calibration an officer can see, each recommendation's uncertainty, and the typed result's
round trip through its one JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from graph_schema.contract.interchange import read_data
from matcher import MatcherError, RecommendationResult, recommend
from matcher.calibration import EVIDENCE_EDGES, HeldOut, calibrate, held_out_predictions
from matcher.snapshot import build_snapshot
from tests.officer_helpers import matcher_result_fixture  # noqa: F401  (fixture, by its name)
from tests.support.worlds import tiny_dataset


@pytest.fixture(scope="module")
def result(matcher_result) -> RecommendationResult:
    return RecommendationResult.from_dict(matcher_result)


def test_calibration_table_on_the_sample_has_bins_and_evidence_bands(result):
    cal = result.calibration
    assert cal is not None and cal.n_projects > 100
    assert 4 <= len(cal.bins) <= 8
    assert sum(b.count for b in cal.bins) == cal.n_projects
    predicted = [b.mean_predicted for b in cal.bins]
    assert predicted == sorted(predicted)
    for b in cal.bins:
        assert b.low <= b.mean_predicted <= b.high and 0 <= b.mean_reviewed <= 100
    # a useful model: reviewed scores rise with the predicted ones, bin by bin on the whole
    reviewed = [b.mean_reviewed for b in cal.bins]
    assert reviewed[-1] - reviewed[0] > 10
    assert [b.low for b in cal.bands] == list(EVIDENCE_EDGES)
    assert sum(b.count for b in cal.bands) == cal.n_projects
    assert cal.bands[-1].high is None and all(b.spread > 0 for b in cal.bands)


def test_every_recommendation_has_an_uncertainty_and_the_most_uncertain_are_flagged(result):
    recs = result.recommendations
    assert all(r.uncertainty is not None and 0 < r.uncertainty < 1 for r in recs)
    assert all(r.evidence is not None and r.evidence >= 0 for r in recs)
    flagged = [r for r in recs if r.check_by_hand]
    assert len(flagged) == round(0.1 * len(recs))
    calm = [r for r in recs if not r.check_by_hand]
    assert min(r.uncertainty for r in flagged) >= max(r.uncertainty for r in calm)  # type: ignore[type-var]
    # the uncertainty is the band's spread for the group's evidence
    spread = {b.low: b.spread for b in result.calibration.bands}  # type: ignore[union-attr]
    for r in recs[:20]:
        low = max(e for e in EVIDENCE_EDGES if e <= r.evidence)  # type: ignore[operator]
        assert r.uncertainty == pytest.approx(spread[low] / 100, abs=1e-3)


def test_the_result_round_trips_through_its_json(result, matcher_result):
    text = json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)
    assert RecommendationResult.from_dict(json.loads(text)) == result
    assert json.loads(text) == matcher_result
    doc = result.to_dict()
    rec = doc["recommendations"][0]
    assert "organizations" in rec and "members" not in rec
    assert {"uncertainty", "check_by_hand", "alternatives"} <= set(rec)
    assert set(doc) == {"recommendations", "unserved", "summary", "calibration"}


def test_from_dict_reads_a_result_kept_before_the_one_shape(result):
    old = result.to_dict()
    for rec in old["recommendations"]:
        rec["members"] = rec.pop("organizations")
        for key in ("uncertainty", "evidence", "check_by_hand"):
            rec.pop(key)
    del old["unserved"], old["calibration"]
    back = RecommendationResult.from_dict(old)
    assert [r.members for r in back.recommendations] == [r.members for r in result.recommendations]
    assert back.unserved == [] and back.calibration is None
    assert all(r.uncertainty is None for r in back.recommendations)


def test_a_broken_result_says_where():
    with pytest.raises(MatcherError, match="recommendation of V1: the key 'organizations'"):
        RecommendationResult.from_dict({"recommendations": [{"village_id": "V1"}]})
    with pytest.raises(MatcherError, match="organization 2: the key 'org_id' is missing"):
        RecommendationResult.from_dict(
            {"recommendations": [{"village_id": "V1", "organizations": [{"org_id": "O1"}, {}]}]}
        )
    with pytest.raises(MatcherError, match="unserved V2: unknown reason 'lazy'"):
        RecommendationResult.from_dict({"unserved": [{"village_id": "V2", "reason": "lazy"}]})


def test_held_out_predictions_are_the_test_year_and_calibrate_reproducibly(sample_dir):
    snap = build_snapshot(read_data(sample_dir))
    held = held_out_predictions(snap, seed=0)
    again = held_out_predictions(snap, seed=0)
    assert held.test_year == again.test_year
    np.testing.assert_array_equal(held.predicted, again.predicted)
    assert len(held.predicted) == len(held.reviewed) == len(held.evidence) > 100
    assert calibrate(held) == calibrate(again)


def test_calibration_reports_a_biased_model_as_such():
    predicted = np.linspace(30, 90, 400)
    biased = HeldOut(2024, predicted, predicted - 10.0, np.zeros(400))
    cal = calibrate(biased)
    assert all(b.mean_reviewed == pytest.approx(b.mean_predicted - 10, abs=0.01) for b in cal.bins)
    assert cal.bands[0].count == 400 and cal.bands[0].mean_abs_error == 10.0


def test_without_reviews_there_is_no_calibration_and_no_uncertainty():
    villages = [("V1", 36.0, 117.0, {"medical": 4})]
    orgs = [("O1", 36.0, 117.0, 1, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs))
    assert result.calibration is None
    (rec,) = result.recommendations
    assert rec.uncertainty is None and rec.check_by_hand is False
    assert "calibration" not in result.to_dict()


def test_same_input_same_output_with_calibration_and_uncertainty(sample_dir, matcher_result):
    again = recommend(read_data(sample_dir), max_group=4, seed=0).to_dict()
    first = json.loads(json.dumps(matcher_result))
    for doc in (first, again):
        doc["summary"].pop("seconds")
        doc["summary"]["formation"].pop("seconds", None)
    assert again == first
