"""Excel templates to fill in: a whole data folder, or an organization's volunteers.

Each template is a workbook the importer reads as it is: one sheet per file of the contract,
named as the file without ``.csv``, the contract's column names in the first row, and no data.
Columns with a closed list have a drop-down: services and organization kinds by their Chinese
label (the importer reads labels as codes), roles and true/false by their codes. A first sheet
``说明`` (ignored by the importer) says what each column means and which are required.
"""

from __future__ import annotations

from collections.abc import Iterable

from .tables import CONTRACT_TABLES, Column, Table
from .vocabulary import ORG_KIND_LABELS_ZH, SERVICE_LABELS_ZH
from .xlsx_out import Choice, Sheet, workbook_bytes

__all__ = [
    "data_folder_template",
    "volunteer_template",
    "activity_template",
    "VOLUNTEER_SKILL_COLUMNS",
]

#: the volunteer template's skill columns (a drop-down each; the upload turns them into skills)
VOLUNTEER_SKILL_COLUMNS = ("service_1", "service_2", "service_3")

_KIND_TEXT = {
    "str": "文本",
    "int": "整数",
    "float": "数字",
    "bool": "true / false",
    "date": "日期 YYYY-MM-DD",
    "code": "从下拉列表选择",
}


def _options(col: Column) -> tuple[str, ...]:
    if col.name == "service":
        return tuple(SERVICE_LABELS_ZH.values())
    if col.name == "kind":
        return tuple(ORG_KIND_LABELS_ZH.values())
    if col.kind == "bool":
        return ("true", "false")
    return col.codes


def _choices(spec: Table) -> list[Choice]:
    return [
        Choice(c.name, _options(c), prompt="请从下拉列表中选择")
        for c in spec.columns
        if c.kind in ("code", "bool")
    ]


def _range(col: Column) -> str:
    if col.min is None and col.max is None:
        return ""
    lo = "" if col.min is None else f"{col.min:g}"
    hi = "" if col.max is None else f"{col.max:g}"
    return f"{lo}..{hi}" + ("（不含下限）" if col.exclusive_min else "")


def _guide(tables: Iterable[Table], extra: Iterable[tuple[str, str, str, str, str]] = ()) -> Sheet:
    rows = [
        [spec.filename, c.name, "必填" if c.required else "", _KIND_TEXT[c.kind], _range(c)]
        for spec in tables
        for c in spec.columns
    ]
    rows += [list(r) for r in extra]
    return Sheet(
        "说明",
        ("文件（工作表）", "列", "必填", "类型", "范围"),
        rows,
        caption="填写说明：每个工作表对应一个 CSV 文件，第一行是列名（请勿修改），从第二行起每行一条记录。"
        "经纬度须在中国境内（纬度 3.5..54，经度 73..136）。",
        widths={"文件（工作表）": 24, "列": 20, "类型": 18},
    )


def _table_sheet(spec: Table, headers: tuple[str, ...] | None = None) -> Sheet:
    return Sheet(
        spec.name,
        headers or tuple(spec.column_names),
        [],
        widths={"name": 24, "note": 30, "comment": 30},
        choices=_choices(spec),
    )


def data_folder_template() -> bytes:
    """An empty workbook with one sheet per file of the data contract, with drop-downs.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(data_folder_template()))
    >>> book.sheetnames[:3]
    ['说明', 'villages', 'needs']
    >>> [c.value for c in book["needs"][1]]
    ['village_id', 'service', 'severity']
    >>> book["needs"].data_validations.dataValidation[0].formula1[:10]
    '"关爱老人,儿童关爱'
    """
    tables = list(CONTRACT_TABLES.values())
    return workbook_bytes([_guide(tables)] + [_table_sheet(t) for t in tables])


def volunteer_template() -> bytes:
    """An empty volunteers workbook for an organization, skills chosen from drop-downs.

    ``volunteer_id``, ``lat``, ``lon`` and ``county`` may be left empty (a new id, the
    organization's own place); ``service_1..3`` take up to three skills, and the
    ``volunteer_skills`` sheet any more.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(volunteer_template()))
    >>> book.sheetnames
    ['说明', 'volunteers', 'volunteer_skills']
    >>> [c.value for c in book["volunteers"][1]][-3:]
    ['service_1', 'service_2', 'service_3']
    """
    volunteers = CONTRACT_TABLES["volunteers"]
    skills = CONTRACT_TABLES["volunteer_skills"]
    headers = tuple(c for c in volunteers.column_names if c != "org_id") + VOLUNTEER_SKILL_COLUMNS
    sheet = _table_sheet(volunteers, headers)
    options = tuple(SERVICE_LABELS_ZH.values())
    sheet.choices = [Choice(c, options, prompt="选择一项技能") for c in VOLUNTEER_SKILL_COLUMNS]
    extra = [
        ("volunteers.csv", c, "", "从下拉列表选择", "技能（服务），每列一项")
        for c in VOLUNTEER_SKILL_COLUMNS
    ]
    guide = _guide([volunteers, skills], extra)
    guide.caption = (
        "填写说明：每行一名志愿者。volunteer_id 留空则自动编号；lat、lon、county 留空则用本组织的位置；"
        "技能从 service_1..3 的下拉列表选择，更多技能可填在 volunteer_skills 工作表。"
    )
    return workbook_bytes([guide, sheet, _table_sheet(skills)])


def activity_template() -> bytes:
    """An empty 帮扶台账 workbook for an organization: ``activities`` and ``activity_volunteers``.

    ``org_id`` is left out (the organization's own); services come from a drop-down.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(activity_template()))
    >>> book.sheetnames
    ['说明', 'activities', 'activity_volunteers']
    >>> [c.value for c in book["activities"][1]][:3]
    ['activity_id', 'village_id', 'service']
    """
    acts = CONTRACT_TABLES["activities"]
    hours = CONTRACT_TABLES["activity_volunteers"]
    guide = _guide([acts, hours])
    guide.caption = (
        "填写说明：activities 每行一次帮扶活动（activity_id 自编，如 A2026-001；village_id 须是本组织"
        "正在帮扶的村），activity_volunteers 每行一名本组织志愿者在一次活动中的时长（小时，0..24）。"
    )
    headers = tuple(c for c in acts.column_names if c != "org_id")
    return workbook_bytes([guide, _table_sheet(acts, headers), _table_sheet(hours)])
