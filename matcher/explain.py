"""Explanations: structured facts about each member and one or two readable sentences.

For each organization of a group: which needs it covers and at what level, how far it is, its
track record, and the projects it shared with the other members and how they scored. The Chinese
text is what the site shows; the English text is for logs and foreign readers.
"""

from __future__ import annotations

from typing import Any

from graph_schema.contract.vocabulary import ORG_KIND_LABELS_ZH, ORG_KINDS, SERVICE_LABELS_ZH

__all__ = [
    "member_facts",
    "member_sentences",
    "group_sentences",
    "party_sentences",
    "kind_sentences",
    "roles_sentences",
    "trait_sentences",
    "service_level_sentences",
    "NO_HISTORY_ZH",
    "NO_HISTORY_EN",
]

NO_HISTORY_ZH = "本数据尚无项目评审记录，推荐依据能力等级、距离和等级评估，未使用历史成效。"
NO_HISTORY_EN = (
    "No project reviews exist yet: ranked by capability level, distance and rating; "
    "no outcome history was used."
)


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(float(x), digits)


def member_facts(
    projects: int,
    mean_score: float | None,
    rating: int,
    kind: str,
    shared: dict[str, tuple[int, int, float | None]],
    predicted: dict[str, float],
    home_county: bool | None = None,
) -> dict[str, Any]:
    """The facts of one member; ``shared`` maps another member to (projects, reviewed, mean);
    ``home_county``: registered in the village's county (None: a county unknown)."""
    return {
        "home_county": home_county,
        "projects": int(projects),
        "mean_score": _round(mean_score),
        "rating": int(rating),
        "kind": kind,
        "shared": {
            other: {"projects": int(n), "reviewed": int(r), "mean_score": _round(m)}
            for other, (n, r, m) in sorted(shared.items())
        },
        "predicted_score": {s: _round(v) for s, v in sorted(predicted.items())},
    }


def member_sentences(
    name: str,
    levels: dict[str, int],
    km: float,
    facts: dict[str, Any],
    names: dict[str, str],
    supports: bool = False,
) -> tuple[str, str]:
    """One or two sentences (Chinese, English) about why this organization is in the group.

    ``supports``: it leads none of ``levels``' services but helps their leads (协助).

    Examples
    --------
    >>> f = member_facts(3, 81.0, 4, "foundation", {"O2": (2, 2, 85.0)}, {})
    >>> member_sentences("甲基金会", {"medical": 5}, 12.34, f, {"O2": "乙协会"})[0]
    '甲基金会承担健康义诊（能力5级），距村12.3公里；过去3个评审项目平均81.0分，曾与乙协会合作2个项目（平均85.0分）。'
    >>> member_sentences("乙协会", {"medical": 3}, 4.0, f, {}, supports=True)[1].split(";")[0]
    '乙协会 supports medical (level 3), 4.0 km away'
    >>> g = member_facts(0, None, 3, "social_group", {}, {}, home_county=True)
    >>> member_sentences("丙协会", {"visiting": 2}, 3.0, g, {})[0]
    '丙协会承担走访慰问（能力2级），距村3.0公里（本县组织）；暂无评审项目记录。'
    """
    covers_zh = "、".join(
        f"{SERVICE_LABELS_ZH.get(s, s)}（能力{lv}级）" for s, lv in levels.items()
    )
    covers_en = ", ".join(f"{s} (level {lv})" for s, lv in levels.items())
    local_zh = "（本县组织）" if facts.get("home_county") else ""
    local_en = " (registered in the village's county)" if facts.get("home_county") else ""
    zh = f"{name}{'协助' if supports else '承担'}{covers_zh}，距村{km:.1f}公里{local_zh}；"
    en = f"{name} {'supports' if supports else 'covers'} {covers_en}, {km:.1f} km away{local_en}; "
    if facts["projects"]:
        zh += f"过去{facts['projects']}个评审项目平均{facts['mean_score']:.1f}分"
        en += f"{facts['projects']} reviewed projects averaging {facts['mean_score']:.1f}"
    else:
        zh += "暂无评审项目记录"
        en += "no reviewed projects yet"
    worked = [(o, d) for o, d in facts["shared"].items() if d["projects"]]
    if worked:
        parts_zh, parts_en = [], []
        for other, d in worked:
            who = names.get(other, other)
            score_zh = f"（平均{d['mean_score']:.1f}分）" if d["mean_score"] is not None else ""
            score_en = f" (mean {d['mean_score']:.1f})" if d["mean_score"] is not None else ""
            parts_zh.append(f"{who}合作{d['projects']}个项目{score_zh}")
            parts_en.append(f"{d['projects']} with {who}{score_en}")
        zh += "，曾与" + "、与".join(parts_zh) + "。"
        en += "; shared projects: " + ", ".join(parts_en) + "."
    else:
        zh += "。"
        en += "."
    return zh, en


def group_sentences(
    village: str,
    lead: str,
    n_members: int,
    n_needs: int,
    uncovered: list[str],
    score: float,
    best_pair: tuple[str, str, int, float | None] | None,
    history_used: bool,
    left_out: frozenset[str] | set[str] = frozenset(),
) -> tuple[str, str]:
    """The recommendation's summary sentences (Chinese, English).

    ``left_out``: uncovered needs that some candidate with capacity provides — the group is
    predicted to do better without it, which the sentence says instead of "no suitable one".

    Examples
    --------
    >>> group_sentences("易洼村", "甲基金会", 2, 3, ["donation"], 0.62, None, True)[0]
    '推荐2家社会组织抱团帮扶易洼村，由甲基金会牵头，覆盖3项需求中的2项（捐款捐物暂无合适组织），预计成效62%。'
    """
    covered = n_needs - len(uncovered)
    zh = f"推荐{n_members}家社会组织抱团帮扶{village}，由{lead}牵头，覆盖{n_needs}项需求中的{covered}项"
    en = f"{n_members} organizations for {village}, led by {lead}, covering {covered} of {n_needs} needs"
    lacking = [s for s in uncovered if s not in left_out]
    skipped = [s for s in uncovered if s in left_out]
    notes_zh, notes_en = [], []
    if lacking:
        notes_zh.append("、".join(SERVICE_LABELS_ZH.get(s, s) for s in lacking) + "暂无合适组织")
        notes_en.append("no suitable organization for " + ", ".join(lacking))
    if skipped:
        notes_zh.append(
            "、".join(SERVICE_LABELS_ZH.get(s, s) for s in skipped)
            + "的备选组织加入后预计整体成效不升反降，未纳入，可人工调整"
        )
        notes_en.append(
            ", ".join(skipped)
            + " left out: adding an alternative is predicted to lower the outcome"
        )
    if notes_zh:
        zh += "（" + "；".join(notes_zh) + "）"
        en += " (" + "; ".join(notes_en) + ")"
    zh += f"，预计成效{score:.0%}。"
    en += f"; predicted outcome {score:.0%}."
    if best_pair is not None:
        a, b, n, m = best_pair
        tail_zh = f"，平均{m:.1f}分" if m is not None else ""
        tail_en = f", mean score {m:.1f}" if m is not None else ""
        zh += f"{a}与{b}曾合作{n}个项目{tail_zh}。"
        en += f" {a} and {b} worked together on {n} projects{tail_en}."
    if not history_used:
        zh += NO_HISTORY_ZH
        en += " " + NO_HISTORY_EN
    return zh, en


def party_sentences(
    with_branch: int, n_members: int, both_coef: float, mixed_coef: float
) -> tuple[str, str] | None:
    """Why the members' party branches mattered, or None when they did not.

    ``with_branch`` of the ``n_members`` have a party branch; ``both_coef`` / ``mixed_coef`` are
    what the history says a pair of two with a branch / of one with and one without adds
    (:class:`matcher.pair_effects.JointEffects`, 0 when the evidence does not bear it out).

    Examples
    --------
    >>> party_sentences(3, 3, 0.0, -0.05)[0]
    '成员均设有党支部：历史评审中，有党支部与无党支部的组织同组时成效偏低。'
    >>> party_sentences(1, 2, 0.0, -0.05) is None  # a mixed group: nothing in its favour to say
    True
    """
    if n_members < 2:
        return None
    uniform = with_branch in (0, n_members)
    if mixed_coef < 0 and uniform:
        which_zh = "均设有党支部" if with_branch else "均未设党支部"
        which_en = "have" if with_branch else "lack"
        return (
            f"成员{which_zh}：历史评审中，有党支部与无党支部的组织同组时成效偏低。",
            f"All members {which_en} a party branch: in the review history, groups mixing "
            "organizations with and without one scored lower.",
        )
    if both_coef > 0 and with_branch == n_members:
        return (
            "成员均设有党支部：历史评审中，均设有党支部的组织同组时成效更好。",
            "All members have a party branch: in the review history, such groups scored higher.",
        )
    return None


_KIND_EN = {
    "social_group": "social group",
    "service_agency": "service agency",
    "foundation": "foundation",
}


def kind_sentences(
    pairs: list[tuple[int, int]], coefs: dict[tuple[int, int], float]
) -> tuple[str, str] | None:
    """Why the members' kinds mattered, or None when they did not.

    ``pairs`` are the kind pairs (indices into ``ORG_KINDS``, smaller first) of the team's members
    of two different kinds; ``coefs`` what the history says each such pair adds
    (:class:`matcher.pair_effects.JointEffects`, 0 when the evidence does not bear it out). Names
    the team's pair of kinds that the history favours most.

    Examples
    --------
    >>> kind_sentences([(0, 2)], {(0, 1): 0.0, (0, 2): 0.1, (1, 2): 0.0})[0]
    '成员包括社会团体和基金会：历史评审中，这两类组织同组时成效更好。'
    >>> kind_sentences([(0, 1)], {(0, 1): 0.0, (0, 2): 0.1, (1, 2): 0.0}) is None
    True
    """
    good = [(coefs.get(p, 0.0), p) for p in set(pairs) if coefs.get(p, 0.0) > 0]
    if not good:
        return None
    _, (i, j) = max(good)
    a, b = ORG_KINDS[i], ORG_KINDS[j]
    return (
        f"成员包括{ORG_KIND_LABELS_ZH[a]}和{ORG_KIND_LABELS_ZH[b]}：历史评审中，这两类组织同组时成效更好。",
        f"The members include a {_KIND_EN[a]} and a {_KIND_EN[b]}: in the review history, "
        "groups with both scored higher.",
    )


def roles_sentences(kinds: list[int]) -> tuple[str, str] | None:
    """Why the team holds several kinds: in the history each kind beyond the first lifted a group,
    once however many members were of it (:func:`matcher.pair_effects.kinds_beyond_first`).

    ``kinds`` are the members' kinds (indices into ``ORG_KINDS``); None for a team of one kind.

    Examples
    --------
    >>> roles_sentences([1, 0, 1])[0]
    '成员涵盖社会团体、社会服务机构两类组织，各展所长：历史评审中，小组每多一类组织，成效更好。'
    >>> roles_sentences([0, 0]) is None
    True
    """
    held = sorted(set(kinds))
    if len(held) < 2:
        return None
    zh = "、".join(ORG_KIND_LABELS_ZH[ORG_KINDS[k]] for k in held)
    en = " and ".join(f"a {_KIND_EN[ORG_KINDS[k]]}" for k in held)
    count_zh = "两三"[len(held) - 2] if len(held) <= 3 else str(len(held))
    return (
        f"成员涵盖{zh}{count_zh}类组织，各展所长：历史评审中，小组每多一类组织，成效更好。",
        f"The members include {en}, each bringing its own part: in the review history, every "
        "further kind of organization in a group scored higher.",
    )


#: what each registered trait of :data:`matcher.partner_traits.TRAITS` is called in a sentence
_TRAIT_WORDS = {
    "rating": ("评估等级较高", "a higher evaluation grade"),
    "mean_level": ("综合服务能力等级较高", "higher capability levels"),
    "log_volunteers": ("志愿者较多", "more volunteers"),
    "largest": ("规模居前（枢纽型）", "among the largest (a hub organization)"),
}


def service_level_sentences() -> tuple[str, str]:
    """Why a partner's level in a need's own service counted: such partners lifted past groups.

    Examples
    --------
    >>> service_level_sentences()[0]
    '伙伴在所需服务上能力等级较高：历史评审中，伙伴在项目服务上等级较高的小组成效更好。'
    """
    return (
        "伙伴在所需服务上能力等级较高：历史评审中，伙伴在项目服务上等级较高的小组成效更好。",
        "A partner has a high capability level in a needed service: in the review history, groups "
        "whose partners were capable in the project's own service scored higher.",
    )


def trait_sentences(trait: str) -> tuple[str, str]:
    """Why a member's registered ``trait`` counted: partners with it lifted past groups.

    Examples
    --------
    >>> trait_sentences("rating")[0]
    '成员中有评估等级较高的组织：历史评审中，伙伴评估等级较高的小组成效更好。'
    """
    zh, en = _TRAIT_WORDS[trait]
    return (
        f"成员中有{zh}的组织：历史评审中，伙伴{zh}的小组成效更好。",
        f"A member has {en}: in the review history, groups whose partners had it scored higher.",
    )
