"""bench/bench_size_confounding.py: group sizes read across villages and within them."""

from __future__ import annotations

import pytest

from bench import bench_size_confounding

pytestmark = pytest.mark.timeout(300)


def _size4(report: str) -> dict[str, float]:
    rows = [line.split("|") for line in report.splitlines() if line.startswith("| ")]
    return {cells[1].strip(): float(cells[4]) for cells in rows[2:] if len(cells) > 4}


def test_a_chosen_history_makes_large_groups_look_worse_than_they_are(tmp_path):
    out = tmp_path / "size.md"
    argv = ["--scale", "tiny", "--cache", str(tmp_path), "--pseudo-counts", "1", "--output"]
    assert bench_size_confounding.main([*argv, str(out)]) == 0
    size4 = _size4(out.read_text(encoding="utf-8"))
    across = size4["as the matcher reads them (observable columns only)"]
    # read within villages, or knowing the hidden hardship, groups of four do better: the
    # history sent them to the hardest places
    assert size4["with a random effect per village, pseudo-count 1"] > across + 0.5
    assert size4["with the hidden hardship as a column"] > across + 0.5


def test_held_out_worlds_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench_size_confounding.main(["--generator", "heldout_sealed_a"])
    assert "invalid choice" in capsys.readouterr().err
