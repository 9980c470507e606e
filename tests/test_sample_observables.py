"""`bench/sample_observables.py`: before a column is built for something a data folder holds, an
engineer checks whether the reviews carry any signal in it. A planted pair effect and a planted
penalty for going back to the same village show; in a folder without them they do not."""

from __future__ import annotations

import numpy as np
import pytest

from bench.sample_observables import main, report
from graph_schema.contract.interchange import write_data
from tests.support.worlds import tiny_dataset

ORGS = [f"O{i:02d}" for i in range(12)]
VILLAGES = [f"V{i}" for i in range(8)]


def _folder(tmp_path, planted: bool):
    """600 projects of two (one in ten alone) among 12 organizations in 8 villages, 2009–2020; a review scores 3
    points a quality step of the lead; with ``planted``, each pair has its own lasting effect
    (±6) and a lead back in a village where it led before scores 6 lower."""
    rng = np.random.default_rng(1)
    quality = {o: int(rng.integers(0, 5)) for o in ORGS}
    pair_effect = {}
    led_in = set()
    projects = []
    for i in range(600):
        lead, partner = (str(o) for o in rng.choice(ORGS, 2, replace=False))
        village = str(rng.choice(VILLAGES))
        key = tuple(sorted((lead, partner)))
        pair_effect.setdefault(key, float(rng.choice([-6.0, 6.0])))
        score = 50 + 3 * quality[lead] + rng.normal(0, 2)
        if planted:
            score += pair_effect[key] - 6.0 * ((lead, village) in led_in)
        led_in.add((lead, village))
        date = f"{2009 + i // 50}-{1 + i % 12:02d}-15"
        team = [lead, partner] if i % 10 else [lead]  # every tenth project led alone
        projects.append((f"J{i:03d}", "medical", team, village, round(score, 1), date))
    orgs = [(o, 36.0, 117.0 + 0.01 * i, 2, {"medical": 3}) for i, o in enumerate(ORGS)]
    villages = [(v, 36.1, 117.0 + 0.01 * i, {"medical": 3}) for i, v in enumerate(VILLAGES)]
    return write_data(tiny_dataset(villages, orgs, projects=projects), tmp_path / "folder")


def _pair_correlation(text: str) -> float:
    return float(text.rsplit("later ones: ", 1)[1].rstrip(".\n"))


def _coefficient(text: str, fact: str) -> tuple[float, float]:
    line = next(x for x in text.splitlines() if x.startswith(f"| {fact} |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    return float(cells[2]), float(cells[3])


@pytest.mark.parametrize("planted", [True, False])
def test_a_lasting_pair_effect_and_a_return_penalty_show_only_where_they_are(tmp_path, planted):
    text = report(_folder(tmp_path, planted))
    correlation = _pair_correlation(text)
    coef, t = _coefficient(text, "lead in the village before")
    if planted:
        assert correlation > 0.5
        assert coef < -3 and t < -3
    else:
        assert abs(correlation) < 0.15
        assert abs(t) < 2.5
    assert "| group size |" in text  # the newest year's table is there too


def test_the_tables_are_printed_and_written(tmp_path, capsys):
    out = tmp_path / "obs.md"
    assert main([str(_folder(tmp_path, True)), "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") in capsys.readouterr().out
