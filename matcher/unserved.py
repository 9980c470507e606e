"""No village silently left out: a second chance for villages the formation left, then a reason.

The formation only sees each village's few best-ranked candidates. When those are taken by other
villages, providers nearer by that still have capacity were never looked at (five villages of the
demo world were left so with free providers 2 km away). :func:`second_chance` gives every village
left without a team its nearest providers that still have capacity, best first by the model, and
forms teams greedily (most urgent first); it repeats until a round serves nobody, so a village is
only left out when every provider of its needs within reach is used up.

:func:`unserved_villages` then says why each remaining village got nothing: ``no_needs``,
``no_provider_in_reach`` or ``capacity_taken`` — naming the nearest providers and who took them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from graph_schema.contract.vocabulary import SERVICE_LABELS_ZH, SERVICES

from .candidates import FOURS_WITHIN, Candidates
from .errors import MatcherError
from .formation import greedy, urgency_order
from .result import Recommendation, Unserved
from .snapshot import EARTH_RADIUS_KM, Snapshot, unit_vectors
from .teams import Patterns, TeamInputs, patterns, team_values

__all__ = ["Formed", "REACH_KM", "second_chance", "unserved_villages", "team_load"]

#: how far a provider may be (km); the same as :func:`matcher.candidates.find_candidates`' reach
REACH_KM = 150.0
#: per (village, need) the nearest providers with capacity looked at, and how many are kept
NEAREST, KEEP = 8, 3
#: providers named in an explanation
NAMED = 3


@dataclass
class Formed:
    """One round of formation: candidate rows, their team inputs and values, the chosen patterns.

    ``rows`` maps each row to the row of the first round's candidates (the village's row).
    """

    cand: Candidates
    inp: TeamInputs
    pats: Patterns
    values: np.ndarray
    chosen: np.ndarray
    rows: np.ndarray


def _chord(km: float) -> float:
    return 2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0)


def team_load(formed: Formed, n_orgs: int) -> np.ndarray:
    """How many villages each organization takes on in this round."""
    done = np.flatnonzero(formed.chosen >= 0)
    slots = formed.pats.members[formed.chosen[done]]
    orgs = formed.cand.orgs[done[:, None], np.maximum(slots, 0)][slots >= 0]
    return np.bincount(orgs, minlength=n_orgs)


def _nearest_with_capacity(scorer, first: Candidates, rows, cap_left, m: int) -> Candidates:
    """Each row's nearest providers with capacity left per need, the model's best ``KEEP`` kept."""
    snap: Snapshot = scorer.snap
    need_s, need_w = first.need_s[rows], first.need_w[rows]
    villages = first.villages[rows]
    level = snap.level.tocsc()
    vxyz = unit_vectors(snap.v_lat[villages], snap.v_lon[villages])
    hits: list[tuple[int, int, int, int, float]] = []  # (row, rank, need, org, km)
    for s in np.unique(need_s[need_s >= 0]):
        col = level[:, s]
        prov = np.sort(col.indices[(col.data > 0) & (cap_left[col.indices] > 0)])
        if len(prov) == 0:
            continue
        tree = cKDTree(unit_vectors(snap.o_lat[prov], snap.o_lon[prov]))
        r, j = np.nonzero(need_s == s)
        k = min(NEAREST, len(prov))
        # the bound is strict; a hair more keeps a provider at exactly the reach, as the reasons do
        bound = _chord(REACH_KM) * (1 + 1e-9)
        chord, idx = tree.query(vxyz[r], k=k, distance_upper_bound=bound)
        chord, idx = chord.reshape(len(r), k), idx.reshape(len(r), k)
        rr, kk = np.nonzero(np.isfinite(chord))
        if len(rr) == 0:  # nobody in reach (a learned model refuses to predict zero rows)
            continue
        orgs = prov[idx[rr, kk]]
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord[rr, kk] / 2.0, 0, 1))
        score = scorer.unary(villages[r[rr]], np.full(len(rr), s), orgs)
        order = np.lexsort((orgs, -score, rr))
        rr, orgs, km = rr[order], orgs[order], km[order]
        _, first_of, counts = np.unique(rr, return_index=True, return_counts=True)
        rank = np.arange(len(rr)) - np.repeat(first_of, counts)
        for i in np.flatnonzero(rank < KEEP):
            hits.append((int(r[rr[i]]), int(rank[i]), int(j[rr[i]]), int(orgs[i]), float(km[i])))
    hits.sort()  # round robin: every need's best, then every need's second, ...
    out_orgs = np.full((len(rows), m), -1, np.int64)
    out_km = np.full((len(rows), m), np.nan)
    filled = np.zeros(len(rows), np.int64)
    for row, _, _, org, km in hits:
        if filled[row] < m and org not in out_orgs[row, : filled[row]]:
            out_orgs[row, filled[row]], out_km[row, filled[row]] = org, km
            filled[row] += 1
    return Candidates(villages, need_s, need_w, out_orgs, out_km)


def second_chance(
    scorer, first: Formed, capacity_left: np.ndarray, max_group: int, max_candidates: int = 12
) -> list[Formed]:
    """Rounds of teams for the villages ``first`` left without one, from capacity still left.

    ``capacity_left`` is what was left before ``first``; rounds go on until one serves nobody.
    """
    snap: Snapshot = scorer.snap
    cap = capacity_left - team_load(first, snap.n_orgs)
    pats = patterns(max_candidates, max_group, FOURS_WITHIN)
    rounds: list[Formed] = []
    left = np.flatnonzero(first.chosen < 0)
    while len(left):
        cand = _nearest_with_capacity(scorer, first.cand, left, cap, max_candidates)
        if not (cand.orgs >= 0).any():
            break
        inp = scorer.team_inputs(cand)
        values = team_values(inp, pats)
        order = urgency_order(cand.need_w, snap.village_ids[cand.villages])
        chosen = greedy(values, cand.orgs, pats, cap, order)
        if not (chosen >= 0).any():
            break
        formed = Formed(cand, inp, pats, values, chosen, left)
        cap = cap - team_load(formed, snap.n_orgs)
        rounds.append(formed)
        left = left[chosen < 0]
    return rounds


def _names(labels: list[str]) -> tuple[str, str]:
    return "、".join(SERVICE_LABELS_ZH.get(s, s) for s in labels), ", ".join(labels)


def _taken_words(p: dict, village_names: dict[str, str]) -> tuple[str, str]:
    zh, en = [], []
    if p["in_force"]:
        zh.append(f"已在帮{p['in_force']}个村")
        en.append(f"already supports {p['in_force']} villages")
    if p["taken_by"]:
        shown = [village_names.get(v, v) for v in p["taken_by"][:NAMED]]
        more = len(p["taken_by"]) - len(shown)
        zh.append("本次推荐给" + "、".join(shown) + (f"等{len(p['taken_by'])}个村" if more else ""))
        en.append("recommended for " + ", ".join(shown) + (f" and {more} more" if more else ""))
    if not zh:  # capacity 0 from the start
        zh.append("帮扶容量为0")
        en.append("has a capacity of 0")
    return "，".join(zh), ", ".join(en)


def _providers_near(snap: Snapshot, idx: np.ndarray, needs: list[list[int]]):
    """Per village: its nearest providers of each need (km, org), and every provider in reach."""
    level = snap.level.tocsc()
    nearest: dict[int, list[tuple[float, int]]] = {int(v): [] for v in idx}
    in_reach: dict[int, set[int]] = {int(v): set() for v in idx}
    for s in sorted({int(x) for n in needs for x in n}):
        col = level[:, s]
        prov = np.sort(col.indices[col.data > 0])
        have = [int(v) for v, n in zip(idx, needs, strict=True) if s in n]
        if not len(prov):
            continue
        tree = cKDTree(unit_vectors(snap.o_lat[prov], snap.o_lon[prov]))
        pts = unit_vectors(snap.v_lat[have], snap.v_lon[have])
        reach = tree.query_ball_point(pts, _chord(REACH_KM))
        k = min(NAMED, len(prov))
        chord, pos = tree.query(pts, k=k)
        chord, pos = chord.reshape(len(have), k), pos.reshape(len(have), k)
        for i, v in enumerate(have):
            in_reach[v].update(prov[np.asarray(reach[i], np.int64)].tolist())
            km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord[i] / 2.0, 0, 1))
            nearest[v].extend(zip(km.tolist(), prov[pos[i]].tolist(), strict=True))
    return nearest, in_reach


def _why(snap, name, wanted, near, n_reach, providers, vnames) -> tuple[str, str, str]:
    """The reason and its Chinese and English explanation."""
    if not wanted:
        return (
            "no_needs",
            f"{name}没有登记任何需求，无从推荐；请先在村情中补充需求。",
            f"{name} lists no needs, so nothing can be recommended; add its needs first.",
        )
    zh_s, en_s = _names(wanted)
    if not providers:
        zh = f"{name}的需求（{zh_s}）在{REACH_KM:.0f}公里内没有可提供的社会组织"
        en = f"No organization within {REACH_KM:.0f} km of {name} provides {en_s}"
        if near:
            km, o = near[0]
            zh += f"；最近的{snap.org_names[o]}在{km:.0f}公里外。"
            en += f"; the nearest, {snap.org_names[o]}, is {km:.0f} km away."
        else:
            zh += "；没有任何组织提供这些服务。"
            en += "; no organization provides them at all."
        return "no_provider_in_reach", zh, en
    parts_zh, parts_en = [], []
    for o, p in providers:
        w_zh, w_en = _taken_words(p, vnames)
        parts_zh.append(f"{snap.org_names[o]}（{p['km']:.1f}公里）{w_zh}")
        parts_en.append(f"{snap.org_names[o]} ({p['km']:.1f} km) {w_en}")
    zh = (
        f"{name}的需求（{zh_s}）在{REACH_KM:.0f}公里内有{n_reach}家组织可以提供，"
        "但帮扶容量都已用完：" + "；".join(parts_zh) + "。可请这些组织增加帮扶容量。"
    )
    en = (
        f"{name} needs {en_s}; {n_reach} providers within {REACH_KM:.0f} km, all at capacity: "
        + "; ".join(parts_en)
        + "."
    )
    return "capacity_taken", zh, en


def unserved_villages(
    snap: Snapshot, recs: list[Recommendation], capacity_left: np.ndarray
) -> list[Unserved]:
    """Every village without a partnership and without a recommendation, with its reason.

    ``capacity_left`` is what each organization has left after ``recs``.
    """
    got = [r.village_id for r in recs]
    idx = np.flatnonzero(~snap.v_supported & ~np.isin(snap.village_ids, got))
    org_pos = {o: i for i, o in enumerate(snap.org_ids.tolist())}
    taken: dict[int, list[str]] = {}
    for rec in recs:
        for m in rec.members:
            taken.setdefault(org_pos[m.org_id], []).append(rec.village_id)
    vnames = dict(zip(snap.village_ids.tolist(), snap.village_names.tolist(), strict=True))
    needs: list[list[int]] = list(snap.need_matrix[idx].tolil().rows) if len(idx) else []
    nearest, in_reach = _providers_near(snap, idx, needs)
    out = []
    for v, labels in zip(idx.tolist(), needs, strict=True):
        if any(capacity_left[o] > 0 for o in in_reach[v]):  # the second chance forbids it
            raise MatcherError(f"internal error: {snap.village_ids[v]} left with free providers")
        near = sorted(set(nearest[v]))
        providers: list[tuple[int, dict[str, Any]]] = []
        for km, o in near:
            if km <= REACH_KM and len(providers) < NAMED and o not in dict(providers):
                record = {
                    "org_id": str(snap.org_ids[o]),
                    "km": round(km, 1),
                    "taken_by": sorted(taken.get(o, [])),
                    "in_force": int(snap.o_committed[o]),
                }
                providers.append((o, record))
        wanted = [SERVICES[int(s)] for s in labels]
        name = str(snap.village_names[v])
        reason, zh, en = _why(snap, name, wanted, near, len(in_reach[v]), providers, vnames)
        out.append(
            Unserved(str(snap.village_ids[v]), reason, zh, en, wanted, [p for _, p in providers])
        )
    return out
