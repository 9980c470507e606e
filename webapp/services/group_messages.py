"""A broken group rule as a message in the visitor's language (the web doors: site and API).

The command line prints the rule's English ``what`` instead; both are worded from the same
:class:`~graph_schema.rules.RuleProblem`.
"""

from __future__ import annotations

from flask_babel import gettext as _

from graph_schema.rules import RuleProblem

__all__ = ["problem_message", "problem_messages", "problem_details"]


def _needs(codes) -> str:
    from ..templating import service_label

    return "、".join(service_label(s) for s in codes)


def problem_message(problem: RuleProblem) -> str:
    """The message an officer reads for ``problem`` (Chinese unless the visitor chose English).

    Examples
    --------
    >>> from graph_schema.rules import GroupMember, shape_problems
    >>> problem_message(shape_problems([])[0])
    '请至少选择一个社会组织'
    """
    p = dict(problem.params)
    code = problem.code
    if code == "max_group_range":
        return _("每个抱团的组织数须在 %(low)s 到 %(high)s 之间", low=p["low"], high=p["high"])
    if code == "unknown_village":
        return _("村 %(v)s 不存在", v=p["village_id"])
    if code == "village_in_force":
        return _(
            "%(v)s 已有在帮的抱团，不能再批准新的抱团（请先在村页面结束原帮扶关系）",
            v=p.get("name") or p.get("village_id", ""),
        )
    if code == "no_members":
        return _("请至少选择一个社会组织")
    if code == "too_many_members":
        return _(
            "一个抱团最多 %(n)s 个组织，现在有 %(m)s 个，请去掉 %(k)s 个",
            n=p["max_group"],
            m=p["size"],
            k=p["over"],
        )
    if code == "lead_count":
        return _("一个抱团只能有一个牵头组织")
    if code == "duplicate_member":
        return _("组织 %(o)s 在抱团中出现了两次", o=p["org_id"])
    if code == "unknown_organization":
        return _("找不到编号为 %(o)s 的社会组织", o=p["org_id"])
    if code == "no_capacity" and "used" in p:
        return _(
            "%(name)s（%(o)s）已帮扶 %(u)s 个村，达到其最多 %(m)s 个村的帮扶容量，没有剩余容量",
            name=p["name"],
            o=p["org_id"],
            u=p["used"],
            m=p["max_villages"],
        )
    if code == "needs_not_provided":
        return _(
            "%(name)s（%(o)s）不提供 %(v)s 需要的任何服务（需要：%(needs)s）",
            name=p["name"],
            o=p["org_id"],
            v=p["village"],
            needs=_needs(p["needs"]),
        )
    return problem.what  # a store's refusal that a second check could not explain


def problem_messages(problems) -> list[str]:
    """:func:`problem_message` of each problem, in order."""
    return [problem_message(p) for p in problems]


def problem_details(problems) -> list[dict]:
    """The problems as the API reports them: code, where, what (English) and message.

    Examples
    --------
    >>> from graph_schema.rules import shape_problems
    >>> problem_details(shape_problems([]))[0]["code"]
    'no_members'
    """
    return [
        {"code": p.code, "where": p.where, "what": p.what, "message": problem_message(p)}
        for p in problems
    ]
