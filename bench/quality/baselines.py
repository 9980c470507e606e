"""A data-only reference: the naive greedy with each organization's shrunk review mean.

Issue 11 quotes it ("plugging a per-organization shrunk review mean into that greedy"): it reads
only the data folder, so it is what a matcher should beat without any cleverness. A member's
score for a need is ``level/5 × exp(−km/25) × (m − 30) / (mean − 30)`` where ``m`` is the mean of
the reviewed projects the organization took part in, shrunk towards the mean of all reviews with
the weight of ``PRIOR_REVIEWS`` reviews.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from .contract import org_ids
from .greedy import naive_values
from .world import FLOOR

__all__ = ["shrunk_means", "shrunk_mean_values", "PRIOR_REVIEWS"]

PRIOR_REVIEWS = 3.0


def shrunk_means(world) -> np.ndarray:
    """Each organization's shrunk mean review score, from the world's tables only.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> m = shrunk_means(build_world(spec("dev_local_teams"), "tiny", 0))
    >>> len(m), bool(((m > 0) & (m < 100)).all())
    (300, True)
    """
    ds = world.dataset
    score = ds["reviews"].groupby("project_id")["score"].mean()
    po = ds["project_orgs"][["project_id", "org_id"]].drop_duplicates()
    po = po.assign(score=po["project_id"].map(score)).dropna(subset=["score"])
    overall = float(score.mean()) if len(score) else 50.0
    by_org = po.groupby("org_id")["score"].agg(["sum", "count"])
    index = pd.Index(org_ids(world.n_orgs))
    total = by_org["sum"].reindex(index, fill_value=0.0).to_numpy()
    count = by_org["count"].reindex(index, fill_value=0).to_numpy()
    return (total + PRIOR_REVIEWS * overall) / (count + PRIOR_REVIEWS)


def shrunk_mean_values(world, means: np.ndarray | None = None):
    """The value function of this reference, for :func:`~bench.quality.greedy.reference_greedy`:
    Σ over covered needs of severity × max level/5 × exp(−km/25) × (m − 30) / (mean − 30).

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.greedy import reference_greedy
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> len(reference_greedy(w, shrunk_mean_values(w))) > 0
    True
    """
    means = shrunk_means(world) if means is None else means
    weight = np.maximum(means - FLOOR, 1.0) / max(float(means.mean()) - FLOOR, 1.0)
    return partial(naive_values, org_weight=weight)
