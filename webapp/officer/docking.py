"""A county's docking list (对接清单) as an Excel workbook, with Chinese headers.

One row per organization of each group in force (the village's cells repeat), so the sheet can be
sorted and filtered in Excel; a second sheet lists the villages still without a group.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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


def _sheet(ws, title: str, headers, rows) -> None:
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(headers))
    fill = PatternFill("solid", fgColor="F2F4F7")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for row in rows:
        ws.append(row)
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(header, 14)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{max(ws.max_row, 2)}"


def docking_workbook(
    world: World,
    county: str,
    service_label: Callable[[str], str],
    contacts: dict[str, str] | None = None,
    issued_by: str = "",
) -> bytes:
    """The docking list of ``county`` as ``.xlsx`` bytes.

    ``contacts`` maps an organization id to how to reach it, where known.
    """
    contacts = contacts or {}
    villages = sorted(
        (v for v in world.villages.values() if v.county == county),
        key=lambda v: (v.town, v.village_id),
    )

    def needs(v) -> str:
        return "、".join(f"{service_label(s)}（{sev}）" for s, sev in v.needs.items())

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
                    contacts.get(m["org_id"], ""),
                    m["since"],
                    m["approved_by"],
                    m["approved_at"],
                ]
            )
    book = Workbook()
    ws = book.create_sheet("对接清单", 0)
    book.remove(book.worksheets[1])  # the empty default sheet
    suffix = f"（导出人：{issued_by}）" if issued_by else ""
    _sheet(ws, f"{county}社会组织抱团帮扶对接清单{suffix}", DOCKING_HEADERS, rows)
    left = [
        [i, v.county, v.town, v.name, v.village_id, needs(v)]
        for i, v in enumerate((v for v in villages if not v.supported), start=1)
    ]
    _sheet(book.create_sheet("未帮扶村"), f"{county}尚无帮扶的贫困村", UNSUPPORTED_HEADERS, left)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
