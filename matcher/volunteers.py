"""Volunteers for each recommended group: skilled in the village's needs, near it, with hours left.

Each suggestion reserves ``hours_per_village`` of a volunteer's ``hours_per_month``, so a volunteer
is suggested to at most ``floor(hours / hours_per_village)`` villages; a volunteer whose hours are
unknown is never suggested (their time cannot be promised). Villages are served most urgent first;
for each need (most severe first) the nearest skilled volunteers with hours left are taken,
volunteers of the group's own organizations first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from graph_schema.contract.vocabulary import SERVICES

from .snapshot import EARTH_RADIUS_KM, unit_vectors

__all__ = ["suggest_volunteers"]


def suggest_volunteers(
    dataset,
    requests: list[tuple[float, float, list[str], set[str]]],
    per_need: int = 1,
    max_per_village: int = 6,
    hours_per_village: float = 4.0,
    reach_km: float = 30.0,
    k_near: int = 16,
) -> list[list[str]]:
    """Volunteer ids for each request ``(lat, lon, needed services, member org ids)``.

    ``requests`` must already be in the order villages are to be served (most urgent first).

    Examples
    --------
    >>> import pandas as pd
    >>> from graph_schema import Dataset
    >>> ds = Dataset({"volunteers": pd.DataFrame({"volunteer_id": ["P1", "P2"], "name": ["a", "b"],
    ...     "lat": [36.0, 36.0], "lon": [117.0, 117.01], "hours_per_month": [4, 8]}),
    ...     "volunteer_skills": pd.DataFrame({"volunteer_id": ["P1", "P2"],
    ...     "service": ["medical", "medical"]})})
    >>> suggest_volunteers(ds, [(36.0, 117.0, ["medical"], set())] * 3)
    [['P1'], ['P2'], ['P2']]
    """
    out: list[list[str]] = [[] for _ in requests]
    vol = dataset["volunteers"]
    if len(vol) == 0 or not requests:
        return out
    # only the columns used, in id order (so ties break the same way whatever the row order)
    vol = vol[["volunteer_id", "lat", "lon", "hours_per_month", "org_id"]]
    if not vol["volunteer_id"].is_monotonic_increasing:
        vol = vol.sort_values("volunteer_id", kind="stable")
    ids = vol["volunteer_id"].to_numpy(dtype=str)
    hours = vol["hours_per_month"].to_numpy(dtype=float, na_value=np.nan)
    slots = np.floor(np.nan_to_num(hours, nan=0.0) / hours_per_village).astype(np.int64)
    org = vol["org_id"].to_numpy(dtype=object)
    xyz = unit_vectors(vol["lat"].to_numpy(float), vol["lon"].to_numpy(float))
    del vol
    skills = dataset["volunteer_skills"]
    skill_ids = skills["volunteer_id"].to_numpy(dtype=str)
    sk_v = np.minimum(np.searchsorted(ids, skill_ids), len(ids) - 1)
    found = ids[sk_v] == skill_ids
    del skill_ids
    # one sort of (service, volunteer) codes instead of a string comparison per service
    n_vol = len(ids)
    service = pd.Categorical(skills["service"].to_numpy(dtype=object)[found], categories=SERVICES)
    pairs = np.sort(service.codes.astype(np.int64) * n_vol + sk_v[found])
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]  # np.unique hashes: slower
    pairs = pairs[pairs >= 0]  # codes of services outside the vocabulary are -1
    pairs = pairs[slots[pairs % n_vol] > 0]
    starts = np.searchsorted(pairs, np.arange(len(SERVICES) + 1, dtype=np.int64) * n_vol)
    chord = 2.0 * np.sin(reach_km / EARTH_RADIUS_KM / 2.0)
    req_xyz = unit_vectors([r[0] for r in requests], [r[1] for r in requests])
    near: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
    for code, s in enumerate(SERVICES):
        who = pairs[starts[code] : starts[code + 1]] - code * n_vol
        rows = [i for i, r in enumerate(requests) if s in r[2]]
        if len(who) == 0 or not rows:
            continue
        k = min(k_near, len(who))
        dist, idx = cKDTree(xyz[who]).query(req_xyz[rows], k=k, distance_upper_bound=chord)
        dist, idx = dist.reshape(len(rows), k), idx.reshape(len(rows), k)
        for i, r in enumerate(rows):
            ok = np.isfinite(dist[i])
            near[(r, s)] = (who[idx[i][ok]], dist[i][ok])
    for r, (_, _, needs, members) in enumerate(requests):
        chosen: list[int] = []
        for s in needs:
            got = near.get((r, s))
            if got is None:
                continue
            cand, dist = got
            have = sum(1 for c in chosen if c in set(cand.tolist()))
            own = np.array([org[c] in members for c in cand], dtype=bool)
            for c in cand[np.lexsort((dist, ~own))]:
                if have >= per_need or len(chosen) >= max_per_village:
                    break
                if slots[c] > 0 and c not in chosen:
                    chosen.append(int(c))
                    slots[c] -= 1
                    have += 1
        out[r] = sorted(ids[chosen].tolist())
    return out
