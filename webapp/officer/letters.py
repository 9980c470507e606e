"""The introduction letter (介绍信) that sends an organization of a group to its village.

As the report describes it, the civil-affairs bureau (民政局) and the social-organization party
committee issue a letter that recommends the organization to the village committee (村委会). One
:class:`Letter` holds its content; the HTML page and the PDF both render it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .queries import OrgRow, VillageRow, World

__all__ = ["Letter", "build_letter", "committee_of", "LetterNotFound"]

DEFAULTS = {
    "OFFICER_BUREAU": "泰安市民政局",
    "OFFICER_PARTY_COMMITTEE": "中共泰安市社会组织委员会",
    "OFFICER_LETTER_PREFIX": "泰民社介",
}


class LetterNotFound(LookupError):
    """The organization is not in a group in force for the village."""


@dataclass
class Letter:
    reference: str
    date: str  # 2020年10月15日
    bureau: str
    party_committee: str
    committee: str  # the addressee: 易洼村村民委员会
    village: VillageRow
    org: OrgRow
    role: str
    services: list[str]  # what this organization is to provide there
    partners: list[tuple[OrgRow, str, list[str]]]  # every member of the group, lead first
    since: str
    approved_by: str

    def body(self, service_label) -> list[str]:
        """The letter's paragraphs after the salutation, with services named by ``service_label``."""
        role = "牵头组织" if self.role == "lead" else "成员组织"
        services = "、".join(service_label(s) for s in self.services)
        offer = f"，重点提供{services}等服务。" if services else "。"
        lines = [
            f"兹介绍{self.org.name}作为抱团帮扶{role}，到你村开展帮扶工作{offer}",
            f"本次抱团帮扶由以下{len(self.partners)}家社会组织联合开展（社社联手，共同扶贫）：",
        ]
        for i, (org, role_code, covers) in enumerate(self.partners, start=1):
            what = "、".join(service_label(s) for s in covers) or "协同帮扶"
            lines.append(f"{i}. {org.name}（{'牵头' if role_code == 'lead' else '成员'}）：{what}")
        lines.append(
            "请予接洽，并为其开展走访慰问、捐款捐物、健康义诊、技能培训等帮扶活动提供便利，"
            "确保社会组织扶贫工作进得去、住得下、推得开。"
        )
        lines.append(f"帮扶关系自{self.since}起生效。")
        return lines


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


def _chinese_date(iso: str) -> str:
    try:
        year, month, day = (int(x) for x in iso[:10].split("-"))
    except ValueError:
        return iso
    return f"{year}年{month}月{day}日"


def build_letter(world: World, village_id: str, org_id: str) -> Letter:
    """The letter for ``org_id`` in the group in force for ``village_id``.

    Raises :class:`LetterNotFound` when there is no such membership.
    """
    village = world.villages.get(village_id)
    if village is None or org_id not in world.orgs:
        raise LetterNotFound(f"{village_id}/{org_id}")
    group = sorted(village.group, key=lambda m: (m["role"] != "lead", m["org_id"]))
    mine = next((m for m in group if m["org_id"] == org_id), None)
    if mine is None:
        raise LetterNotFound(f"{village_id}/{org_id}")
    partners = []
    for m in group:
        org = world.orgs.get(m["org_id"])
        if org is not None:
            partners.append((org, m["role"], [s for s in village.needs if s in org.levels]))
    position = [m["org_id"] for m in group].index(org_id) + 1
    issued = mine["approved_at"] or mine["since"] or ""
    config = {k: current_app.config.get(k, v) for k, v in DEFAULTS.items()}
    return Letter(
        reference=f"{config['OFFICER_LETTER_PREFIX']}〔{issued[:4] or '—'}〕{village_id}-{position:02d}号",
        date=_chinese_date(issued),
        bureau=config["OFFICER_BUREAU"],
        party_committee=config["OFFICER_PARTY_COMMITTEE"],
        committee=committee_of(village.name),
        village=village,
        org=world.orgs[org_id],
        role=mine["role"],
        services=[s for s in village.needs if s in world.orgs[org_id].levels],
        partners=partners,
        since=_chinese_date(mine["since"] or issued),
        approved_by=mine["approved_by"],
    )
