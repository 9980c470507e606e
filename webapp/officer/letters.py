"""The introduction letter (介绍信) that sends an organization of a group to its village.

The civil-affairs bureau (民政局) and the social-organization party committee issue a letter that
recommends the organization to the village committee (村委会). One :class:`Letter` holds its
content, read from the store at the moment the letter is issued; the PDF (``pdf.py``) renders it
once and the store keeps those bytes (``webapp/services/letters.py``): a letter is a record and
is never drawn again from later data.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass

from graph_schema.contract.vocabulary import SERVICE_LABELS_ZH

from ..people_time import chinese_date

__all__ = [
    "Letter",
    "Member",
    "committee_of",
    "activities_of",
    "valid_until",
    "LetterNotFound",
    "DEFAULTS",
]

#: issuer settings (app config keys) and their defaults
DEFAULTS = {
    "OFFICER_BUREAU": "泰安市民政局",
    "OFFICER_PARTY_COMMITTEE": "中共泰安市社会组织委员会",
    "OFFICER_LETTER_PREFIX": "泰民社介",
    "OFFICER_BUREAU_CONTACT": "泰安市民政局社会组织管理科",
    "OFFICER_LETTER_VALID_MONTHS": 12,
}

#: what an organization does in a village for each service it brings (the letter's 活动)
ACTIVITIES = {
    "elder_care": "关爱老人走访照料",
    "child_care": "留守儿童关爱",
    "education": "助学支教",
    "disability_rehab": "助残康复服务",
    "medical": "健康义诊",
    "skills_training": "技能培训",
    "visiting": "走访慰问",
    "donation": "捐款捐物",
    "women_support": "留守妇女关爱",
    "emergency_relief": "救急难帮扶",
    "livelihood": "产业就业帮扶",
}


class LetterNotFound(LookupError):
    """The organization is not in a group in force for the village."""


@dataclass(frozen=True)
class Member:
    """One organization of the group as its letter names it."""

    org_id: str
    name: str
    role: str  # lead | member
    services: tuple[str, ...]  # the village's needs it provides


@dataclass(frozen=True)
class Letter:
    reference: str  # 文号, drawn when the letter is issued
    verification: str  # short code printed with the 文号 (services.letters.verification_code)
    issued_at: str  # UTC ISO time of the approval
    bureau: str
    party_committee: str
    bureau_contact: str
    village_id: str
    village_name: str
    org: Member
    partners: tuple[Member, ...]  # every member of the group, lead first
    lead_contact: str  # 联系人 and phone of the lead (organization profile), or ""
    since: str  # ISO date the partnership starts
    valid_months: int
    approved_by: str  # the approver's display name

    @property
    def committee(self) -> str:
        return committee_of(self.village_name)

    @property
    def date(self) -> str:
        return chinese_date(self.issued_at)

    def numbered(self, reference: str, verification: str) -> Letter:
        return dataclasses.replace(self, reference=reference, verification=verification)

    def body(self) -> list[str]:
        """The letter's paragraphs after the salutation."""
        role = "牵头组织" if self.org.role == "lead" else "成员组织"
        services = "、".join(SERVICE_LABELS_ZH.get(s, s) for s in self.org.services)
        offer = f"，重点提供{services}等服务。" if services else "。"
        lines = [
            f"兹介绍{self.org.name}作为抱团帮扶{role}，到你村开展帮扶工作{offer}",
            f"本次抱团帮扶由以下{len(self.partners)}家社会组织联合开展（社社联手，共同扶贫）：",
        ]
        for i, m in enumerate(self.partners, start=1):
            what = "、".join(SERVICE_LABELS_ZH.get(s, s) for s in m.services) or "协同帮扶"
            lines.append(f"{i}. {m.name}（{'牵头' if m.role == 'lead' else '成员'}）：{what}")
        lines.append(
            f"请予接洽，并为其开展{activities_of(self.partners)}等帮扶活动提供便利，"
            "确保社会组织扶贫工作进得去、住得下、推得开。"
        )
        if self.lead_contact:
            lines.append(f"牵头组织联系人：{self.lead_contact}。")
        lines.append(f"民政部门联系人：{self.bureau_contact}。")
        until = valid_until(self.since, self.valid_months)
        lines.append(
            f"帮扶关系自{chinese_date(self.since)}起生效，本介绍信有效期至{chinese_date(until)}。"
        )
        return lines


def activities_of(members: tuple[Member, ...]) -> str:
    """The activities that follow from what the group brings, in the order they are named.

    Examples
    --------
    >>> activities_of((Member("O1", "甲", "lead", ("medical", "education")),))
    '健康义诊、助学支教'
    >>> activities_of(())
    '协同帮扶'
    """
    seen = dict.fromkeys(s for m in members for s in m.services)
    return "、".join(ACTIVITIES.get(s, SERVICE_LABELS_ZH.get(s, s)) for s in seen) or "协同帮扶"


def valid_until(since: str, months: int) -> str:
    """The last day a letter dated from ``since`` is valid (``months`` later, less a day).

    Examples
    --------
    >>> valid_until("2026-03-15", 12), valid_until("2026-01-31", 1)
    ('2027-03-14', '2026-02-27')
    """
    start = dt.date.fromisoformat(since[:10])
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return (dt.date(year, month, day) - dt.timedelta(days=1)).isoformat()


def committee_of(village_name: str) -> str:
    """The village committee a letter is addressed to (居委会 for a community).

    Examples
    --------
    >>> committee_of("易洼村"), committee_of("岱宗社区")
    ('易洼村村民委员会', '岱宗社区居民委员会')
    """
    if village_name.endswith(("社区", "居")):
        return f"{village_name}居民委员会"
    return f"{village_name}村民委员会"
