"""bench/bench_communities.py: the matcher's communities against a world's hidden ones."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from bench import bench_communities, bench_quality
from bench.bench_communities import pair_agreement, recovery_row, true_communities
from matcher.collaboration import History
from matcher.snapshot import build_snapshot

pytestmark = pytest.mark.timeout(300)


def test_examples_run():
    result = doctest.testmod(bench_communities)
    assert result.attempted > 0 and result.failed == 0


def test_pairs_are_counted_once_and_only_inside_a_hidden_community():
    hidden = np.array([0, 0, 0, -1, -1])
    assert pair_agreement(hidden, np.array([1, 1, 1, 2, 3])) == (1.0, 1.0)
    # two outsiders put together are a wrong pair, an insider left alone a missed one
    assert pair_agreement(hidden, np.array([1, 1, 2, 3, 3])) == (0.5, 1 / 3)


def test_the_oracle_hands_the_matcher_the_hidden_communities_and_then_gives_them_back(tmp_path):
    world, _ = bench_quality.prepare("dev_alliance_multiply", "tiny", 0, tmp_path)
    snap = build_snapshot(world.dataset)
    shipped = History(snap, seed=0).community
    hidden = world.communities
    with true_communities():
        bench_quality.prepare("dev_alliance_multiply", "tiny", 0, tmp_path)
        inside = History(snap, seed=0).community
    member = hidden >= 0
    assert (inside[member] == hidden[member]).all()
    assert len(np.unique(inside[~member])) == int((~member).sum())  # the others alone
    assert (History(snap, seed=0).community == shipped).all()
    assert pair_agreement(hidden, shipped) != (1.0, 1.0)
    row = recovery_row("dev_alliance_multiply", "tiny", 0, tmp_path)
    assert row[:2] == ["dev_alliance_multiply", "0"] and float(row[4]) < 1.0
