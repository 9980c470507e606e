"""Small hand-made and sampled datasets, for tests and benchmarks of the matcher.

:func:`tiny_dataset` turns a few literal villages and organizations into a :class:`Dataset`;
:func:`sample_subset` cuts a smaller, capacity-tight instance out of a bigger dataset.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from graph_schema.contract.dataset import Dataset

__all__ = ["tiny_dataset", "sample_subset", "far_record_and_three_candidates"]


def tiny_dataset(
    villages: list[tuple[str, float, float, dict[str, int]]],
    orgs: list[tuple[str, float, float, int, dict[str, int]]],
    partnerships: list[tuple[str, str]] = (),  # type: ignore[assignment]
    volunteers: list[tuple[str, float, float, float | None, list[str], str | None]] = (),  # type: ignore[assignment]
    projects: list[tuple[str, str, list[str], str | None, float | None, str]] = (),  # type: ignore[assignment]
    rating: int = 3,
    ratings: dict[str, int] | None = None,
    party_branches: Collection[str] = (),
    kinds: dict[str, str] | None = None,
    counties: dict[str, str] | None = None,
) -> Dataset:
    """A dataset from literals.

    ``villages``: (id, lat, lon, {service: severity}); ``orgs``: (id, lat, lon, max_villages,
    {service: level}); ``volunteers``: (id, lat, lon, hours, skills, org or None); ``projects``:
    (id, service, [lead, partners...], village or None, score or None, ISO review date);
    ``ratings``: organization → ``rating`` for those not rated ``rating``;
    ``party_branches``: the organizations with a party branch (``has_party_branch``);
    ``kinds``: organization → ``kind`` code for those that are not ``social_group``;
    ``counties``: village or organization → county for those not in 泰山区.

    Examples
    --------
    >>> ds = tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})],
    ...                   [("O1", 36.0, 117.1, 1, {"medical": 4})])
    >>> ds.counts()["needs"], ds.counts()["capabilities"]
    (1, 1)
    """
    tables = {
        "villages": pd.DataFrame(
            [
                {
                    "village_id": v,
                    "name": f"{v}村",
                    "county": (counties or {}).get(v, "泰山区"),
                    "lat": la,
                    "lon": lo,
                }
                for v, la, lo, _ in villages
            ]
        ),
        "needs": pd.DataFrame(
            [
                {"village_id": v, "service": s, "severity": w}
                for v, _, _, ns in villages
                for s, w in ns.items()
            ],
            columns=["village_id", "service", "severity"],
        ),
        "organizations": pd.DataFrame(
            [
                {
                    "org_id": o,
                    "name": f"{o}协会",
                    "kind": (kinds or {}).get(o, "social_group"),
                    "county": (counties or {}).get(o, "泰山区"),
                    "lat": la,
                    "lon": lo,
                    "max_villages": cap,
                    "rating": (ratings or {}).get(o, rating),
                    "has_party_branch": o in party_branches,
                }
                for o, la, lo, cap, _ in orgs
            ]
        ),
        "capabilities": pd.DataFrame(
            [
                {"org_id": o, "service": s, "level": lv}
                for o, _, _, _, cs in orgs
                for s, lv in cs.items()
            ],
            columns=["org_id", "service", "level"],
        ),
        "partnerships": pd.DataFrame(
            [
                {"village_id": v, "org_id": o, "role": "lead", "since": "2020-01-01"}
                for v, o in partnerships
            ],
            columns=["village_id", "org_id", "role", "since"],
        ),
        "volunteers": pd.DataFrame(
            [
                {
                    "volunteer_id": p,
                    "name": p,
                    "lat": la,
                    "lon": lo,
                    "hours_per_month": h,
                    "org_id": o,
                }
                for p, la, lo, h, _, o in volunteers
            ],
            columns=["volunteer_id", "name", "lat", "lon", "hours_per_month", "org_id"],
        ),
        "volunteer_skills": pd.DataFrame(
            [{"volunteer_id": p, "service": s} for p, _, _, _, ss, _ in volunteers for s in ss],
            columns=["volunteer_id", "service"],
        ),
        "projects": pd.DataFrame(
            [
                {
                    "project_id": j,
                    "name": j,
                    "lead_org_id": m[0],
                    "service": s,
                    "village_id": v,
                    "end_date": d,
                }
                for j, s, m, v, _, d in projects
            ],
            columns=["project_id", "name", "lead_org_id", "service", "village_id", "end_date"],
        ),
        "project_orgs": pd.DataFrame(
            [
                {"project_id": j, "org_id": o, "role": "lead" if i == 0 else "partner"}
                for j, _, m, _, _, _ in projects
                for i, o in enumerate(m)
            ],
            columns=["project_id", "org_id", "role"],
        ),
        "reviews": pd.DataFrame(
            [
                {"project_id": j, "score": sc, "reviewed_on": d}
                for j, _, _, _, sc, d in projects
                if sc is not None
            ],
            columns=["project_id", "score", "reviewed_on"],
        ),
    }
    return Dataset(tables)


def sample_subset(
    dataset: Dataset, n_villages: int, seed: int = 0, capacity: int | None = 1
) -> Dataset:
    """Keep the needs of ``n_villages`` random villages only (the others have none, so they are not
    eligible, while the whole history stays); ``capacity`` replaces every ``max_villages`` (tight
    capacities make formation hard); partnerships are dropped.
    """
    rng = np.random.default_rng(seed)
    villages = dataset["villages"]["village_id"].to_numpy(dtype=str)
    keep = set(rng.choice(villages, size=min(n_villages, len(villages)), replace=False).tolist())
    tables = {name: frame for name, frame in dataset.items() if name != "partnerships"}
    tables["needs"] = dataset["needs"][dataset["needs"]["village_id"].isin(keep)]
    if capacity is not None:
        orgs = dataset["organizations"].copy()
        orgs["max_villages"] = capacity
        tables["organizations"] = orgs
    return Dataset(tables)


def far_record_and_three_candidates(level: dict[str, int], projects, **kwargs):
    """Organizations ``level`` (name → medical level) with a record at village V0, far away, and no
    capacity left, and three candidates for 东村 (V1, needing medical and elder care): A (medical
    4), B (elder care 4) and C (elder care 5). ``kwargs`` go to :func:`tiny_dataset`."""
    orgs = [
        (o, 40.0, 117.0 + 0.01 * i, 0, {"medical": n}) for i, (o, n) in enumerate(level.items())
    ]
    orgs += [
        ("A", 36.0, 117.02, 1, {"medical": 4}),
        ("B", 36.0, 117.02, 1, {"elder_care": 4}),
        ("C", 36.0, 117.02, 1, {"elder_care": 5}),
    ]
    villages = [("V0", 40.0, 117.1, {}), ("V1", 36.0, 117.0, {"medical": 3, "elder_care": 3})]
    return tiny_dataset(villages, orgs, projects=projects, **kwargs)
