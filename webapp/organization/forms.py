"""Turn submitted forms into raw tables and check them with :mod:`graph_schema.contract.validation`.

The site's forms are checked by the same code as imported files, so a form and a spreadsheet
refuse exactly the same values; problems are shown in the visitor's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd
from flask_babel import gettext as _

from graph_schema import SERVICES, TABLES, Problem
from graph_schema.contract.validation import parse_table

from ..errors import WebappError

__all__ = [
    "FormError",
    "FIELD_LABELS",
    "field_label",
    "problem_message",
    "problem_text",
    "check_row",
    "levels_from_form",
]


class FormError(WebappError):
    """A form (or JSON body) was refused; ``errors`` maps each wrong field to a message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


#: Chinese label of each form field / table column (translated in the organization domain)
FIELD_LABELS = {
    "name": "名称",
    "kind": "组织类型",
    "county": "所在县（市、区）",
    "lat": "纬度",
    "lon": "经度",
    "max_villages": "可承接村数",
    "volunteers": "志愿者人数",
    "has_party_branch": "建有党组织",
    "service": "服务",
    "level": "服务等级",
    "hours_per_month": "每月服务时长",
    "org_id": "组织编号",
    "volunteer_id": "志愿者编号",
    "contact_name": "联系人",
    "phone": "联系电话",
    "username": "用户名",
    "password": "密码",
}

_NOUNS = {
    "organization": "组织",
    "volunteer": "志愿者",
    "village": "村",
    "project": "项目",
    "activity": "活动",
}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^required value is empty$"), "required"),
    (re.compile(r"^required column is missing$"), "missing_column"),
    (re.compile(r"^'(?P<v>.*)' is not a whole number$"), "not_int"),
    (re.compile(r"^'(?P<v>.*)' is not a number$"), "not_number"),
    (
        re.compile(
            r"^(?P<v>.*) is outside (?P<lo>-?[\d.]*?)\.\.(?P<hi>-?[\d.]*)(?: \((?P<hint>.*)\))?$"
        ),
        "range",
    ),
    # reading files (graph_schema.contract.interchange / limits, webapp.admin.uploads)
    (re.compile(r"^is neither UTF-8 nor GBK/GB18030 text.*$"), "encoding"),
    (re.compile(r"^unpacks to more than (?P<n>.+?) \(the limit for one \w+\).*$"), "too_large"),
    (
        re.compile(r"^(?P<sheet>\S+) holds more than (?P<n>[\d,]+) rows \(the limit per sheet\)$"),
        "rows",
    ),
    (
        re.compile(r"^is not a readable \.(?P<what>xlsx workbook|zip archive): (?P<why>.*)$"),
        "unreadable",
    ),
    (re.compile(r"^is neither an \.xlsx workbook nor a \.zip of CSV files$"), "not_upload"),
    (re.compile(r"^holds no data files.*$"), "no_files"),
    (re.compile(r"^required file is missing$"), "missing_file"),
    (re.compile(r"^has (?P<saw>\d+) fields where the header has (?P<n>\d+)$"), "fields"),
    (re.compile(r"^is empty: a header row is required$"), "empty_file"),
    (re.compile(r"^column appears more than once$"), "repeated_column"),
    (re.compile(r"^unknown service code '(?P<v>.*)' \(.*\)$"), "service"),
    (re.compile(r"^unknown \S+ code '(?P<v>.*)' \(.*\)$"), "code"),
    (re.compile(r"^'(?P<v>.*)' is not true or false$"), "bool"),
    (re.compile(r"^'(?P<v>.*)' is not an ISO date.*$"), "date"),
    (re.compile(r"^duplicate (?P<v>.*) \(first on line (?P<n>\d+)\)$"), "duplicate"),
    (re.compile(r"^unknown (?P<noun>\w+) '(?P<v>.*)'$"), "reference"),
]


def field_label(name: str) -> str:
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def problem_message(message: str) -> str:
    """The message of a validation :class:`Problem` in the visitor's language.

    Examples
    --------
    >>> import tempfile
    >>> from webapp import create_app
    >>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
    >>> with app.test_request_context():
    ...     problem_message("200 is outside -90..90")
    '200 超出范围 -90–90'
    """
    for pattern, kind in _PATTERNS:
        m = pattern.match(message)
        if not m:
            continue
        g = m.groupdict()
        if kind == "required":
            return _("必填")
        if kind == "missing_column":
            return _("缺少必需的列")
        if kind == "not_int":
            return _("“%(value)s”不是整数", value=g["v"])
        if kind == "not_number":
            return _("“%(value)s”不是数字", value=g["v"])
        if kind == "range" and g["hint"] and g["hint"].startswith("China"):
            return _(
                "%(value)s 超出范围 %(low)s–%(high)s（须在中国境内；是否误填为 (0, 0) 或经纬度填反？）",
                value=g["v"],
                low=g["lo"],
                high=g["hi"],
            )
        if kind == "range" and g["hint"]:
            return _(
                "%(value)s 超出范围：须大于 %(low)s，不超过 %(high)s",
                value=g["v"],
                low=g["lo"],
                high=g["hi"],
            )
        if kind == "range" and not g["hi"]:
            return _("%(value)s 不能小于 %(low)s", value=g["v"], low=g["lo"])
        if kind == "range" and not g["lo"]:
            return _("%(value)s 不能大于 %(high)s", value=g["v"], high=g["hi"])
        if kind == "range":
            return _("%(value)s 超出范围 %(low)s–%(high)s", value=g["v"], low=g["lo"], high=g["hi"])
        if kind in ("service", "code"):
            return _("“%(value)s”不是有效的代码", value=g["v"])
        if kind == "bool":
            return _("“%(value)s”应为 是/否（true/false）", value=g["v"])
        if kind == "date":
            return _("“%(value)s”不是日期（YYYY-MM-DD）", value=g["v"])
        if kind == "duplicate":
            return _("重复：%(value)s（首次出现在第 %(line)s 行）", value=g["v"], line=g["n"])
        if kind == "encoding":
            return _("既不是 UTF-8 也不是 GBK/GB18030 文本，请在 Excel 中另存为“CSV UTF-8”")
        if kind == "too_large":
            return _(
                "解压后超过 %(n)s（单个文件的上限），请拆分后上传，或在服务器上用命令行导入",
                n=g["n"],
            )
        if kind == "rows":
            return _(
                "工作表 %(sheet)s 超过 %(n)s 行（每张工作表的上限）", sheet=g["sheet"], n=g["n"]
            )
        if kind == "unreadable":
            return _("无法读取（不是有效的 .xlsx 或 .zip 文件）：%(why)s", why=g["why"])
        if kind == "not_upload":
            return _("既不是 .xlsx 工作簿，也不是 CSV 文件的 .zip 压缩包")
        if kind == "no_files":
            return _("压缩包中没有数据文件（应为 villages.csv、needs.csv 等）")
        if kind == "missing_file":
            return _("缺少必需的文件")
        if kind == "fields":
            return _("有 %(saw)s 个字段，而表头有 %(n)s 个", saw=g["saw"], n=g["n"])
        if kind == "empty_file":
            return _("是空文件：第一行须为表头")
        if kind == "repeated_column":
            return _("列名重复出现")
        if kind == "reference":
            noun = _NOUNS.get(g["noun"], g["noun"])
            return _("未知的%(noun)s“%(value)s”", noun=_(noun), value=g["v"])
    return message


def problem_text(problem: Problem) -> str:
    """``file:line: column: message`` with the message in the visitor's language."""
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    message = problem_message(problem.message)
    return f"{where}: {problem.column}: {message}" if problem.column else f"{where}: {message}"


def check_row(table: str, values: Mapping[str, object]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Check one form row against the contract's table; returns ``(typed row, errors by field)``.

    Examples
    --------
    >>> import tempfile
    >>> from webapp import create_app
    >>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
    >>> with app.test_request_context():
    ...     _, errors = check_row("capabilities", {"org_id": "O1", "service": "medical", "level": "9"})
    >>> errors
    {'level': '9 超出范围 1–5'}
    """
    raw = pd.DataFrame([{k: "" if v is None else str(v) for k, v in values.items()}], dtype=object)
    frame, problems = parse_table(TABLES[table], raw, "form")
    errors: dict[str, str] = {}
    for p in problems:
        errors.setdefault(p.column, problem_message(p.message))
    return frame, errors


def levels_from_form(form: Mapping[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Service levels from fields ``level_<service>`` (0 or empty: not offered)."""
    levels: dict[str, int] = {}
    errors: dict[str, str] = {}
    for service in SERVICES:
        text = (form.get(f"level_{service}") or "").strip()
        if text in ("", "0"):
            continue
        if text not in {"1", "2", "3", "4", "5"}:
            errors[f"level_{service}"] = _("服务等级应为 1–5")
            continue
        levels[service] = int(text)
    return levels, errors
