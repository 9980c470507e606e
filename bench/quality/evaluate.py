"""Judge recommendations in true value: the normalized score against the two greedies.

``normalized = (system − naive) / (truth − naive)``, every term the total true value (see
:mod:`bench.quality.greedy`) over the villages without a partnership: 0 is the naive greedy, 1 the
truth-knowing greedy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .contract import org_ids, village_ids
from .errors import QualityBenchError
from .greedy import _need_rows, capacity_left, true_values

__all__ = ["Judged", "alone_and_lift", "groups_from_contract_json", "judge_groups", "normalized"]


@dataclass(frozen=True)
class Judged:
    """Total true value of a set of groups and the contract rules it breaks."""

    value: float
    served: int
    capacity_violations: int  # organizations over max_villages (partnerships in force included)
    rule_violations: int  # villages twice, partnered villages again, groups over max_group


def groups_from_contract_json(world, doc: dict) -> dict[int, np.ndarray]:
    """Village index → member indices from ``RecommendationResult.to_contract_json()``.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> doc = {"recommendations": [{"village_id": "V00002",
    ...     "organizations": [{"org_id": "O000005"}, {"org_id": "O000001"}]}]}
    >>> {k: v.tolist() for k, v in groups_from_contract_json(w, doc).items()}
    {1: [4, 0]}
    """
    vindex = {v: i for i, v in enumerate(village_ids(world.n_villages))}
    oindex = {o: i for i, o in enumerate(org_ids(world.n_orgs))}
    out: dict[int, np.ndarray] = {}
    for rec in doc.get("recommendations", []):
        try:
            v = vindex[rec["village_id"]]
            members = [oindex[m["org_id"]] for m in rec["organizations"]]
        except KeyError as exc:
            raise QualityBenchError(f"a recommendation names an unknown id {exc}") from None
        if v in out:  # counted as a rule violation by judge_groups through the duplicate
            members = list(out[v]) + members
        out[v] = np.array(members, np.int64)
    return out


def _padded(groups: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Villages in order and their groups as one matrix padded with -1 (``groups`` not empty)."""
    v = np.array(sorted(groups), np.int64)
    g = np.full((len(v), max(len(groups[i]) for i in v)), -1, np.int64)
    for row, i in enumerate(v):
        g[row, : len(groups[i])] = groups[i]
    return v, g


def judge_groups(
    world, groups: dict[int, np.ndarray], max_group: int = 4, duplicates: int = 0
) -> Judged:
    """Total true value and the rule breaks of ``groups`` (village index → member indices)."""
    if not groups:
        return Judged(0.0, 0, 0, duplicates)
    v, g = _padded(groups)
    value = float(true_values(world, v, g).sum())
    used = np.bincount(g[g >= 0], minlength=world.n_orgs)
    over = int((used > capacity_left(world)).sum())
    rules = duplicates + int(np.isin(v, world.partnership_v).sum())
    rules += int(sum(len(groups[i]) > max_group for i in v))
    return Judged(value, len(v), over, rules)


def normalized(system: float, naive: float, truth: float) -> float:
    """``(system − naive) / (truth − naive)`` (NaN when the greedies tie).

    Examples
    --------
    >>> normalized(150.0, 100.0, 200.0)
    0.5
    """
    span = truth - naive
    return (system - naive) / span if span > 0 else float("nan")


def alone_and_lift(world, groups: dict[int, np.ndarray]) -> tuple[float, float]:
    """Where a set of groups' true value comes from: its members alone, and what grouping adds.

    For every covered need, the member that covers it best in its group: *alone* is that member's
    true score above the floor leading the need by itself, *lift* its score in the group minus
    alone. Both are severity-weighted means over the covered needs.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> alone, lift = alone_and_lift(w, {0: np.array([0])})
    >>> lift
    0.0
    """
    v, g = _padded(groups)
    i, k, s, sev = _need_rows(world, v, g)
    if len(i) == 0:
        return 0.0, 0.0
    together = world.expected(v[i], s, g[i, k], g[i]) - world.floor
    solo = np.full((len(i), 1), -1, np.int64)
    solo[:, 0] = g[i, k]
    alone = world.expected(v[i], s, g[i, k], solo) - world.floor
    # the best-covering member of each (group, need): last of a stable sort by the group score
    order = np.lexsort((together, s, i))
    last = np.r_[(i[order][1:] != i[order][:-1]) | (s[order][1:] != s[order][:-1]), True]
    best = order[last]
    weight = sev[i[best], s[best]].astype(float)
    mean = lambda x: float((weight * x).sum() / weight.sum())  # noqa: E731 - two uses, here
    return mean(alone[best]), mean(together[best] - alone[best])
