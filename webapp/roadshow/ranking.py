"""The ranking and award list of an event as rows, and as the xlsx and PDF an officer hands out.

A finished event shows its frozen result (``roadshow_results``); an open one its standings so
far, marked 暂定. The workbook goes through the one xlsx writer
(:mod:`graph_schema.contract.xlsx_out`: text cells stay text, A4 landscape, header repeated);
the PDF is A4 landscape with the site's one embedded CJK font (:func:`webapp.officer.pdf.cjk_font`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from sqlalchemy import select

from graph_schema.contract.xlsx_out import Sheet, workbook_bytes

from ..officer.pdf import cjk_font
from ..review.rubric import RUBRIC
from ..sitedb import get_session
from ..sitedb.models import User
from ..sitedb.models_roadshow import RoadshowEvent
from ..templating import service_label
from .queries import PARTS, bars, entries, frozen_results, reviewer_names, scores, standings

__all__ = ["RankingRow", "ranking_rows", "caption", "ranking_xlsx", "ranking_pdf", "HEADERS"]

HEADERS = (
    "名次",
    "奖项",
    "项目编号",
    "项目名称",
    "服务",
    "牵头组织",
    "县（市、区）",
    "综合得分",
    "计入/评分人数",
    "最低分",
    "最高分",
    "标准差",
)


@dataclass(frozen=True)
class RankingRow:
    """One entry's line of the ranking."""

    rank: int | None
    award: str
    project_id: str
    name: str
    service: str
    lead_name: str
    county: str
    combined: float | None
    counted: int
    scored: int
    low: float | None
    high: float | None
    std: float | None

    def cells(self) -> list:
        """The row as the workbook and the PDF show it (numbers stay numbers)."""
        return [
            self.rank if self.rank is not None else "未评分",
            self.award,
            self.project_id,
            self.name,
            service_label(self.service),
            self.lead_name,
            self.county,
            self.combined,
            f"{self.counted}/{self.scored}",
            self.low,
            self.high,
            None if self.std is None else round(self.std, 2),
        ]


def ranking_rows(event: RoadshowEvent) -> list[RankingRow]:
    """The ranking, frozen for a finished event, as it stands for an open one."""
    info = {e.project_id: e for e in entries(event.id)}
    out = []
    if event.status == "finished":
        for r in frozen_results(event.id):
            e = info.get(r.project_id)
            out.append(
                RankingRow(
                    r.rank,
                    r.award,
                    r.project_id,
                    e.name if e else r.project_id,
                    e.service if e else "",
                    e.lead_name if e else "",
                    e.county if e else "",
                    r.combined,
                    r.counted,
                    r.scored,
                    r.low,
                    r.high,
                    r.std,
                )
            )
        return out
    for ranked in standings(event):
        c = ranked.result
        e = info[c.project_id]
        out.append(
            RankingRow(
                ranked.rank,
                ranked.award,
                c.project_id,
                e.name,
                e.service,
                e.lead_name,
                e.county,
                c.combined,
                len(c.counted),
                c.scored,
                c.low,
                c.high,
                c.std,
            )
        )
    return out


def caption(event: RoadshowEvent) -> str:
    """The title line of the exports.

    Examples
    --------
    >>> caption(RoadshowEvent(name="路演", held_on="2026-11-20", place="泰安", status="open"))
    '路演 评选结果（暂定，路演尚未结束） 2026-11-20 泰安'
    """
    state = "" if event.status == "finished" else "（暂定，路演尚未结束）"
    return f"{event.name} 评选结果{state} {event.held_on} {event.place}".strip()


def _score_rows(event: RoadshowEvent, rows: list[RankingRow]) -> list[list]:
    """Every reviewer × entry: the total and parts given, or 回避 with the reason."""
    saved, barred = scores(event.id), bars(event.id)
    names = dict(
        get_session()
        .execute(
            select(User.username, User.display_name).where(
                User.username.in_(reviewer_names(event.id))
            )
        )
        .all()
    )
    out: list[list[Any]] = []
    for row in rows:
        for username in reviewer_names(event.id):
            who = names.get(username) or username
            bar, score = (
                barred.get((row.project_id, username)),
                saved.get((row.project_id, username)),
            )
            if bar is not None:
                out.append(
                    [row.project_id, row.name, who, "回避", *[None] * len(PARTS), bar.reason]
                )
            elif score is not None:
                parts = [getattr(score, p) for p in PARTS]
                out.append([row.project_id, row.name, who, score.total, *parts, score.comment])
    return out


def ranking_xlsx(event: RoadshowEvent) -> bytes:
    """The ranking as an xlsx workbook: 评选结果 (every entry), 获奖名单 (the awards, tier by
    tier) and 评分明细 (each reviewer's score or 回避); caption and header on every page."""
    rows = ranking_rows(event)
    widths = {"项目名称": 36, "牵头组织": 28, "奖项": 10, "名次": 8, "评语或回避原因": 40}
    awarded = [
        [r.award, r.rank, r.name, r.lead_name, r.county, r.combined] for r in rows if r.award
    ]
    part_labels = [label for _name, label, _hint in RUBRIC]
    sheets = [
        Sheet("评选结果", HEADERS, [row.cells() for row in rows], caption(event), widths),
        Sheet(
            "获奖名单",
            ["奖项", "名次", "项目名称", "牵头组织", "县（市、区）", "综合得分"],
            awarded,
            caption(event),
            widths,
        ),
        Sheet(
            "评分明细",
            ["项目编号", "项目名称", "评审专家", "总分", *part_labels, "评语或回避原因"],
            _score_rows(event, rows),
            caption(event),
            widths,
        ),
    ]
    return workbook_bytes(sheets)


def ranking_pdf(event: RoadshowEvent) -> bytes:
    """The ranking as an A4 landscape PDF, its header row repeated on every page."""
    font = cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=15 * mm,
        bottomMargin=12 * mm,
        title=caption(event),
        invariant=True,
    )
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=24, alignment=TA_CENTER)
    cell = ParagraphStyle("c", fontName=font, fontSize=9, leading=12, wordWrap="CJK")

    def para(value) -> Paragraph:
        text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
        return Paragraph(escape(text), cell)

    data = [[para(h) for h in HEADERS]]
    data += [[para(v) for v in row.cells()] for row in ranking_rows(event)]
    widths = [12, 16, 22, 57, 20, 46, 22, 18, 18, 14, 14, 14]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F4F7")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    doc.build([Paragraph(escape(caption(event)), title), table])
    return out.getvalue()
