"""bench/bench_distance_calibration.py: a lone lead's predicted score against its true one, by
distance."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from bench import bench_distance_calibration
from bench.quality import spec
from bench.quality.world import build_world

pytestmark = pytest.mark.timeout(300)


def test_every_band_holds_a_mean_error_in_points(tmp_path):
    out = tmp_path / "distance.md"
    argv = ["--generators", "dev_local_teams", "--scale", "tiny", "--cache", str(tmp_path)]
    assert bench_distance_calibration.main([*argv, "--triples", "5000", "--output", str(out)]) == 0
    (row,) = [line for line in out.read_text(encoding="utf-8").splitlines() if "dev_local" in line]
    cells = [c.strip() for c in row.strip("|").split("|")]
    bands = [float(c) for c in cells[2:-1]]
    assert len(bands) == len(bench_distance_calibration.BANDS_KM) - 1
    # predictions on the review scale, not the model's logit: within a few points on average
    assert all(abs(b) < 10.0 for b in bands)
    assert float(cells[-1]) == pytest.approx(bands[-1] - bands[0], abs=0.11)


def test_the_errors_are_predicted_minus_true_scores():
    world = build_world(spec("dev_local_teams"), "tiny", 0)
    d, err = bench_distance_calibration.lone_lead_errors(world, 3000, 60.0, 1)
    assert len(d) == len(err) > 100
    assert np.isfinite(err).all() and np.abs(err).max() < 70.0  # both on 0..100


def test_held_out_worlds_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench_distance_calibration.main(["--generators", "heldout_sealed_a"])
    assert "not a development generator" in capsys.readouterr().err


def test_the_docstring_example_runs():
    assert doctest.testmod(bench_distance_calibration).failed == 0
