"""Turn the chosen teams into :class:`~matcher.result.Recommendation` objects with explanations.

Everything looked up per organization or pair (track records, shared projects, capability levels)
is fetched for all chosen teams at once; the per-village loop only formats.
"""

from __future__ import annotations

import numpy as np

from graph_schema.contract.vocabulary import ORG_KINDS, SERVICES

from .explain import (
    group_sentences,
    kind_sentences,
    member_facts,
    member_sentences,
    party_sentences,
    roles_sentences,
    service_level_sentences,
    trait_sentences,
)
from .pair_effects import KIND_PAIRS
from .partner_traits import TRAITS
from .result import Member, Recommendation
from .teams import assign_needs

__all__ = ["assemble"]

#: a member's registered traits are named in the explanation when they add at least this much to
#: its partners' scores (model units: logit of the share above the floor; 0.1 is about 1.5 points
#: at a score of 60)
TRAIT_NOTE_MIN = 0.1


class _Lookup:
    """Track records, pair histories and levels of every organization in a chosen team."""

    def __init__(self, scorer, teams: list[np.ndarray]):
        snap, hist = scorer.snap, scorer.hist
        orgs = np.unique(np.concatenate(teams)) if teams else np.zeros(0, np.int64)
        n, mean = hist.org_record(orgs)
        self.record = {
            int(o): (int(k), None if k == 0 else float(m))
            for o, k, m in zip(orgs, n, mean, strict=True)
        }
        self.levels = {int(o): row for o, row in zip(orgs, snap.level[orgs].toarray(), strict=True)}
        a_list, b_list = [], []
        for t in teams:
            i, j = np.triu_indices(len(t), 1)
            a_list.append(t[i])
            b_list.append(t[j])
        a = np.concatenate(a_list) if a_list else np.zeros(0, np.int64)
        b = np.concatenate(b_list) if b_list else np.zeros(0, np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        n_rev, m_rev = hist.pair_record(lo, hi)
        n_all = hist.shared_projects(lo, hi) if len(lo) else np.zeros(0)
        self.pairs = {
            (int(x), int(y)): (int(k_all), int(k), None if k == 0 else float(m))
            for x, y, k_all, k, m in zip(lo, hi, n_all, n_rev, m_rev, strict=True)
        }

    def pair(self, a: int, b: int) -> tuple[int, int, float | None]:
        return self.pairs[(min(a, b), max(a, b))]


def assemble(scorer, cand, inp, pats, values, chosen, cap, vols) -> list[Recommendation]:
    """One recommendation per village with a team, sorted by village id."""
    snap = scorer.snap
    rows = np.flatnonzero(chosen >= 0)
    teams = []
    for r in rows:
        slots = pats.members[chosen[r]]
        teams.append(cand.orgs[r, slots[slots >= 0]])
    used = np.bincount(np.concatenate(teams), minlength=snap.n_orgs) if teams else 0
    left_after = cap - used
    look = _Lookup(scorer, teams)
    names = dict(zip(snap.org_ids.tolist(), snap.org_names.tolist(), strict=True))
    recs = [
        _one(scorer, cand, inp, pats, values, int(r), int(chosen[r]), left_after, vols, names, look)
        for r in rows
    ]
    recs.sort(key=lambda rec: rec.village_id)
    return recs


def _predicted(inp, r: int, slots: np.ndarray, cover: np.ndarray) -> dict[int, float]:
    """Predicted score (points) of each covered need, valued as :mod:`matcher.teams` does: the
    lead's unary score plus the size term, the pairs, and the mean member term of its partners."""
    terms, k = inp.terms, len(slots)
    base = float(terms.size_term(k))
    member = inp.quality[r, slots].astype(float)
    if k > 1:
        a, b = np.triu_indices(k, 1)
        base += float(inp.pair[r, slots[a], slots[b]].sum())
        if inp.kind is not None and terms.roles_coef != 0.0:
            base += terms.roles_coef * (len(np.unique(inp.kind[r, slots])) - 1)
    out = {}
    for j, slot in enumerate(cover.tolist()):
        if slot < 0:
            continue
        partners = 0.0
        if k > 1:
            # the mean member term of j's partners, and the share of them that also provide j
            lead = slots.tolist().index(slot)
            others = member.sum() - member[lead]
            hands = int(np.isfinite(inp.unary[r, j, slots]).sum()) - 1
            partners = (others + terms.same_service_coef * hands) / (k - 1)
            partners += terms.complement_coef * _brings(inp, r, slots, lead)
            if inp.flag is not None and terms.once_coef != 0.0:
                flagged = float(np.delete(inp.flag[r, slots], lead).max())
                partners += terms.once_coef * (flagged - terms.once_mean)
            if inp.service_lift is not None:
                partners += float(np.delete(inp.service_lift[r, j, slots], lead).sum()) / (k - 1)
        out[j] = float(terms.score(float(inp.unary[r, j, slot]) + base + partners))
    return out


def _brings(inp, r: int, slots: np.ndarray, lead: int) -> int:
    """How many of the village's needs its member ``lead`` does not provide the team's other
    members bring, each member's counted (what ``complement_coef`` counts in
    :mod:`matcher.team_kernel`)."""
    mates = np.delete(slots, lead)
    lacks = np.isnan(inp.unary[r, :, slots[lead]])
    return int((lacks[:, None] & ~np.isnan(inp.unary[r][:, mates])).sum())


def _one(
    scorer, cand, inp, pats, values, r, p, left_after, vols, names, look: _Lookup
) -> Recommendation:
    snap = scorer.snap
    slots = pats.members[p][pats.members[p] >= 0]
    orgs = [int(o) for o in cand.orgs[r, slots]]
    cover = assign_needs(inp, r, slots)
    need_s, need_w = cand.need_s[r], cand.need_w[r]
    needs = [j for j in range(len(need_s)) if need_s[j] >= 0]
    ids = [str(snap.org_ids[o]) for o in orgs]
    weight = {int(sl): sum(int(need_w[j]) for j in needs if cover[j] == sl) for sl in slots}
    lead_slot = max(weight, key=lambda sl: (weight[sl], -int(cand.orgs[r, sl])))
    predicted_by_need = _predicted(inp, r, slots, cover)
    members = []
    for i, (slot, o) in enumerate(zip(slots.tolist(), orgs, strict=True)):
        covered = [j for j in needs if cover[j] == slot]
        # a member that leads no need supports the leads of the needs it provides
        shown = covered or [j for j in needs if look.levels[o][need_s[j]] > 0]
        levels = {SERVICES[need_s[j]]: int(look.levels[o][need_s[j]]) for j in shown}
        shared = {ids[k]: look.pair(o, other) for k, other in enumerate(orgs) if k != i}
        predicted = {SERVICES[need_s[j]]: predicted_by_need[j] for j in covered}
        n_rec, mean = look.record[o]
        local = float(snap.home_county(cand.villages[r], o))
        home = None if np.isnan(local) else local == 1.0
        facts = member_facts(
            n_rec, mean, snap.o_rating[o], ORG_KINDS[snap.o_kind[o]], shared, predicted, home
        )
        km = round(float(cand.km[r, slot]), 1)
        zh, en = member_sentences(names[ids[i]], levels, km, facts, names, not covered)
        role = "lead" if slot == lead_slot else "member"
        covers, supports = (list(levels), []) if covered else ([], list(levels))
        members.append(Member(ids[i], role, covers, levels, km, facts, zh, en, supports))
    members.sort(key=lambda m: (m.role != "lead", -len(m.covers), m.org_id))
    uncovered = [SERVICES[need_s[j]] for j in needs if cover[j] < 0]
    total_w = float(need_w.sum())
    score = round(float(values[r, p]) / (100.0 * total_w), 4) if total_w > 0 else 0.0
    best_pair = None
    for m in members:
        for other, d in m.facts["shared"].items():
            if d["projects"] and (best_pair is None or d["projects"] > best_pair[2]):
                best_pair = (names[m.org_id], names[other], d["projects"], d["mean_score"])
    village = snap.village_names[cand.villages[r]]
    alternatives = _alternatives(snap, cand, inp, r, slots, needs, left_after)
    zh, en = group_sentences(
        village,
        names[members[0].org_id],
        len(members),
        len(needs),
        uncovered,
        score,
        best_pair,
        scorer.history_used,
        {s for s in uncovered if alternatives.get(s)},
    )
    notes = (_party_note(scorer, orgs), _kind_note(scorer, orgs), _trait_note(scorer, orgs))
    for note in (*notes, _service_level_note(inp, r, slots, cover)):
        if note is not None:
            zh, en = zh + note[0], en + " " + note[1]
    return Recommendation(
        str(snap.village_ids[cand.villages[r]]),
        members,
        vols.get(r, []),
        score,
        uncovered,
        zh,
        en,
        alternatives,
    )


def _party_note(scorer, orgs: list[int]) -> tuple[str, str] | None:
    """The party-branch sentence, when the team's pair terms counted them (matcher.explain)."""
    joint, party = scorer.joint, scorer.snap.o_party
    if not scorer.group_terms or joint is None or party is None or scorer.trust <= 0:
        return None
    both, mixed = (float(c) for c in joint.party_coef)
    return party_sentences(int(party[orgs].sum()), len(orgs), both, mixed)


def _kind_note(scorer, orgs: list[int]) -> tuple[str, str] | None:
    """The sentence on the members' kinds, when the team's value counted them: once per group
    (``roles``) or pair by pair."""
    joint = scorer.joint
    if not scorer.group_terms or joint is None or joint.kind is None:
        return None
    kinds = [int(k) for k in joint.kind[orgs]]
    if joint.roles_coef > 0:
        roles = roles_sentences(kinds)
        if roles is not None:
            return roles
    if scorer.trust <= 0:
        return None
    pairs = [(min(a, b), max(a, b)) for i, a in enumerate(kinds) for b in kinds[i + 1 :] if a != b]
    return kind_sentences(pairs, dict(zip(KIND_PAIRS, map(float, joint.kind_coef), strict=True)))


def _trait_note(scorer, orgs: list[int]) -> tuple[str, str] | None:
    """The sentence on a member's registered traits, when they lifted the team's partner terms by
    at least :data:`TRAIT_NOTE_MIN` (model units) for one member."""
    traits = scorer.traits
    if not scorer.group_terms or traits is None or len(orgs) < 2 or scorer.trust <= 0:
        return None
    lift = traits.lifts(orgs)  # (members, traits)
    member, trait = np.unravel_index(int(np.argmax(lift)), lift.shape)
    if lift[member, trait] < TRAIT_NOTE_MIN:
        return None
    return trait_sentences(TRAITS[trait])


def _service_level_note(inp, r: int, slots: np.ndarray, cover: np.ndarray):
    """The sentence on partners' levels in a need's own service, when one partner lifted a
    covered need's score by at least :data:`TRAIT_NOTE_MIN` (model units) that way."""
    if inp.service_lift is None or len(slots) < 2:
        return None
    best = max(
        (
            float(inp.service_lift[r, j, o])
            for j, lead in enumerate(cover.tolist())
            if lead >= 0
            for o in slots.tolist()
            if o != lead
        ),
        default=0.0,
    )
    return service_level_sentences() if best >= TRAIT_NOTE_MIN else None


def _alternatives(snap, cand, inp, r, slots, needs, left_after) -> dict[str, list[str]]:
    """Per need: other candidates that provide it and still have capacity, best first (≤ 5)."""
    out = {}
    in_team = set(slots.tolist())
    for j in needs:
        u = inp.unary[r, j]
        other = [
            k
            for k in range(len(u))
            if not np.isnan(u[k]) and k not in in_team and left_after[cand.orgs[r, k]] > 0
        ]
        other.sort(key=lambda k: (-float(u[k]), int(cand.orgs[r, k])))
        out[SERVICES[cand.need_s[r, j]]] = [str(snap.org_ids[cand.orgs[r, k]]) for k in other[:5]]
    return out
