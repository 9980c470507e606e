"""A county's docking list (对接清单) as an Excel workbook, with Chinese headers.

One row per organization of each group in force (the village's cells repeat), so the sheet can be
sorted and filtered in Excel; a second sheet lists the villages still without a group. Written by
:func:`graph_schema.contract.xlsx_out.write_workbook`: every imported name, town and approver is
literal text (never a formula), and the sheets print on A4 landscape with their headers repeated.
The 联系方式 column gives each organization's contact person and phone from its profile
(:mod:`webapp.organization.contacts`), then its account on the site, where known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graph_schema.contract.xlsx_out import Sheet, workbook_bytes

from ..people_time import beijing, person
from .queries import World

__all__ = ["docking_workbook", "DOCKING_HEADERS", "UNSUPPORTED_HEADERS"]

DOCKING_HEADERS = (
    "序号",
    "县（市、区）",
    "乡镇",
    "村",
    "村编号",
    "需求（紧迫程度）",
    "社会组织",
    "组织编号",
    "角色",
    "承担服务",
    "联系方式",
    "帮扶开始日期",
    "批准人",
    "批准时间",
)
UNSUPPORTED_HEADERS = ("序号", "县（市、区）", "乡镇", "村", "村编号", "需求（紧迫程度）")
_WIDTHS = {"村": 14, "需求（紧迫程度）": 34, "社会组织": 30, "承担服务": 24, "联系方式": 22}


def _profile_contacts(org_ids) -> dict[str, str]:
    """Contact person and phone of each organization as its profile gives them (needs the app)."""
    from ..organization.contacts import contacts_for

    out = {}
    for org_id, contact in contacts_for(list(org_ids)).items():
        text = "\u3000".join(part for part in (contact.contact_name, contact.phone) if part)
        if text:
            out[org_id] = text
    return out


def docking_workbook(
    world: World,
    county: str,
    service_label: Callable[[str], str],
    contacts: Mapping[str, str] | None = None,
    issued_by: str = "",
    profiles: Mapping[str, str] | None = None,
) -> bytes:
    """The docking list of ``county`` as ``.xlsx`` bytes.

    ``profiles`` maps an organization id to its contact person and phone (read from the
    organizations' profiles when not given); ``contacts`` to further ways to reach it, such as
    its account on the site.
    """
    villages = sorted(
        (v for v in world.villages.values() if v.county == county),
        key=lambda v: (v.town, v.village_id),
    )
    if profiles is None:
        profiles = _profile_contacts({m["org_id"] for v in villages for m in v.group})
    contacts = contacts or {}

    def needs(v) -> str:
        return "、".join(f"{service_label(s)}（{sev}）" for s, sev in v.needs.items())

    def reach(org_id: str) -> str:
        return "；".join(t for t in (profiles.get(org_id, ""), contacts.get(org_id, "")) if t)

    rows, n = [], 0
    for v in villages:
        for m in sorted(v.group, key=lambda m: (m["role"] != "lead", m["org_id"])):
            org = world.orgs.get(m["org_id"])
            covers = [s for s in v.needs if org is not None and s in org.levels]
            n += 1
            rows.append(
                [
                    n,
                    v.county,
                    v.town,
                    v.name,
                    v.village_id,
                    needs(v),
                    world.org_name(m["org_id"]),
                    m["org_id"],
                    "牵头" if m["role"] == "lead" else "成员",
                    "、".join(service_label(s) for s in covers),
                    reach(m["org_id"]),
                    m["since"],
                    person(m["approved_by"]),  # the approver's name, not the account id
                    beijing(m["approved_at"]),  # Beijing time, as every page shows it
                ]
            )
    suffix = f"（导出人：{person(issued_by)}）" if issued_by else ""
    left = [
        [i, v.county, v.town, v.name, v.village_id, needs(v)]
        for i, v in enumerate((v for v in villages if not v.supported), start=1)
    ]
    return workbook_bytes(
        [
            Sheet(
                "对接清单",
                DOCKING_HEADERS,
                rows,
                caption=f"{county}社会组织抱团帮扶对接清单{suffix}",
                widths=_WIDTHS,
            ),
            Sheet(
                "未帮扶村",
                UNSUPPORTED_HEADERS,
                left,
                caption=f"{county}尚无帮扶的贫困村",
                widths=_WIDTHS,
            ),
        ]
    )
