"""Volunteer service hours (志愿服务时长) from the assistance ledger, and their certificate.

The hours are those recorded in ``activity_volunteers.csv`` against the activities of
``activities.csv`` (issue 15). :func:`monthly_hours` sums one volunteer's per month;
:func:`hours_by_county_service` counts 人次 (one per volunteer per activity) and hours per
county and service (:func:`hours_table`: one row per county, for the city's table); :func:`hours_certificate_pdf` prints the 志愿服务时长证明 an organization
gives a volunteer, in the letters' one embedded CJK font (:func:`webapp.officer.pdf.cjk_font`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from graph_schema import SERVICE_LABELS_ZH, Dataset

from ..officer.pdf import cjk_font

__all__ = [
    "HoursCertificate",
    "monthly_hours",
    "hours_by_county_service",
    "hours_table",
    "hours_certificate_pdf",
    "organization_certificate",
]


def _parts(ds: Dataset) -> pd.DataFrame:
    acts = ds["activities"][["activity_id", "village_id", "org_id", "service", "date"]]
    parts = ds["activity_volunteers"].merge(acts, on="activity_id", how="inner")
    parts["month"] = pd.to_datetime(parts["date"], errors="coerce").dt.strftime("%Y-%m")
    return parts


def monthly_hours(ds: Dataset, volunteer_id: str, year: int | None = None) -> pd.DataFrame:
    """One volunteer's recorded activities and hours per month (``month``, ``activities``,
    ``hours``), oldest first; only ``year`` when given.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "activities": pd.DataFrame({"activity_id": ["A1", "A2", "A3"],
    ...         "village_id": ["V1"] * 3, "org_id": ["O1"] * 3, "service": ["medical"] * 3,
    ...         "date": ["2025-12-30", "2026-05-03", "2026-05-20"]}),
    ...     "activity_volunteers": pd.DataFrame({"activity_id": ["A1", "A2", "A3"],
    ...         "volunteer_id": ["P1"] * 3, "hours": [2, 6, 4.5]})})
    >>> monthly_hours(ds, "P1", year=2026).to_dict("records")
    [{'month': '2026-05', 'activities': 2, 'hours': 10.5}]
    """
    parts = _parts(ds)
    parts = parts[parts["volunteer_id"] == volunteer_id]
    if year is not None:
        parts = parts[parts["month"].str.startswith(f"{year:04d}-", na=False)]
    out = parts.groupby("month", sort=True).agg(
        activities=("activity_id", "nunique"), hours=("hours", "sum")
    )
    return out.reset_index().astype({"activities": int, "hours": float})


def hours_by_county_service(ds: Dataset, year: int | None = None) -> pd.DataFrame:
    """人次 (``person_times``: one per volunteer per activity) and hours per county of the
    village served and service, in ``year`` when given.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...         "county": ["泰山区"], "lat": [36.3], "lon": [117.2]}),
    ...     "activities": pd.DataFrame({"activity_id": ["A1"], "village_id": ["V1"],
    ...         "org_id": ["O1"], "service": ["medical"], "date": ["2026-05-03"]}),
    ...     "activity_volunteers": pd.DataFrame({"activity_id": ["A1", "A1"],
    ...         "volunteer_id": ["P1", "P2"], "hours": [6, 4]})})
    >>> hours_by_county_service(ds).to_dict("records")
    [{'county': '泰山区', 'service': 'medical', 'person_times': 2, 'hours': 10.0}]
    """
    parts = _parts(ds)
    if year is not None:
        parts = parts[parts["month"].str.startswith(f"{year:04d}-", na=False)]
    county = ds["villages"].set_index("village_id")["county"]
    parts = parts.assign(county=parts["village_id"].map(county).fillna(""))
    out = parts.groupby(["county", "service"], sort=True).agg(
        person_times=("volunteer_id", "size"), hours=("hours", "sum")
    )
    return out.reset_index().astype({"person_times": int, "hours": float})


def hours_table(hours: pd.DataFrame) -> pd.DataFrame:
    """:func:`hours_by_county_service` as one row per county and one 人次/hours column pair per
    service, with the county's totals (``person_times``, ``hours``) and a 合计 row last.

    Examples
    --------
    >>> import pandas as pd
    >>> by = pd.DataFrame({"county": ["泰山区", "泰山区", "岱岳区"],
    ...     "service": ["medical", "visiting", "medical"], "person_times": [2, 1, 3],
    ...     "hours": [10.0, 2.0, 9.0]})
    >>> table = hours_table(by)
    >>> table[["county", "medical_person_times", "visiting_hours", "hours"]].values.tolist()
    [['岱岳区', 3, 0.0, 9.0], ['泰山区', 2, 2.0, 12.0], ['合计', 5, 2.0, 21.0]]
    """
    if hours.empty:
        return pd.DataFrame({"county": [], "person_times": [], "hours": []})
    wide = hours.pivot_table(
        index="county", columns="service", values=["person_times", "hours"], aggfunc="sum"
    ).fillna(0)
    out = pd.DataFrame(index=wide.index)
    for service in sorted(set(hours["service"])):
        out[f"{service}_person_times"] = wide[("person_times", service)].astype(int)
        out[f"{service}_hours"] = wide[("hours", service)].astype(float)
    out["person_times"] = wide["person_times"].sum(axis=1).astype(int)
    out["hours"] = wide["hours"].sum(axis=1).astype(float)
    total = out.sum(numeric_only=True).rename("合计")
    out = pd.concat([out, total.to_frame().T.astype(out.dtypes.to_dict())])
    return out.rename_axis("county").reset_index()


@dataclass(frozen=True)
class HoursCertificate:
    """What a certificate says: who, for whom, which year, the months and who issues it."""

    volunteer_id: str
    volunteer_name: str
    org_name: str
    year: int
    months: pd.DataFrame  # as monthly_hours returns it
    issued_on: str
    services: tuple[str, ...] = ()

    @property
    def total_hours(self) -> float:
        return float(self.months["hours"].sum()) if len(self.months) else 0.0


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def hours_certificate_pdf(cert: HoursCertificate) -> bytes:
    """The 志愿服务时长证明 as PDF bytes (A4), months in a table, the total in words and figures.

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.DataFrame({"month": ["2026-05"], "activities": [2], "hours": [10.5]})
    >>> pdf = hours_certificate_pdf(HoursCertificate("P1", "张伟", "长青社工", 2026, months,
    ...     "2026-12-01", ("medical",)))
    >>> pdf[:5]
    b'%PDF-'
    """
    font = cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        title=f"志愿服务时长证明 {cert.volunteer_id} {cert.year}",
        author=cert.org_name,
        invariant=True,  # the bytes follow from the content
    )
    title = ParagraphStyle("t", fontName=font, fontSize=20, leading=32, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=13, leading=23, wordWrap="CJK")
    right = ParagraphStyle("r", parent=body, alignment=TA_RIGHT)
    services = "、".join(SERVICE_LABELS_ZH.get(s, s) for s in cert.services)
    text = (
        f"兹证明 {cert.volunteer_name}（志愿者编号 {cert.volunteer_id}）于 {cert.year} 年"
        f"参加{cert.org_name}组织的帮扶活动"
        + (f"（{services}）" if services else "")
        + f"，累计志愿服务 {_hours_text(cert.total_hours)} 小时。"
    )
    rows = [["月份", "活动次数", "服务时长（小时）"]] + [
        [r.month, str(r.activities), _hours_text(r.hours)]
        for r in cert.months.itertuples(index=False)
    ]
    rows.append(
        [
            "合计",
            str(int(cert.months["activities"].sum()) if len(cert.months) else 0),
            _hours_text(cert.total_hours),
        ]
    )
    table = Table(rows, colWidths=[45 * mm, 45 * mm, 60 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 11),
                ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
            ]
        )
    )
    story = [
        Paragraph("志愿服务时长证明", title),
        Spacer(1, 6 * mm),
        Paragraph(escape(text), body),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph("服务时长以平台帮扶台账记录为准。", body),
        Spacer(1, 14 * mm),
        Paragraph(escape(cert.org_name), right),
        Paragraph(escape(cert.issued_on), right),
    ]
    doc.build(story)
    return out.getvalue()


def organization_certificate(
    org_id: str, volunteer_id: str, year: int, issued_on: str
) -> HoursCertificate | None:
    """The certificate organization ``org_id`` gives its volunteer for ``year``: the hours of
    that organization's own activities only. None when the volunteer is not the organization's.
    """
    from .data import one_row, rows, rows_in

    volunteer = one_row("volunteers", volunteer_id=volunteer_id)
    if volunteer is None or volunteer.get("org_id") != org_id:
        return None
    parts = rows("activity_volunteers", volunteer_id=volunteer_id)
    acts = rows_in("activities", "activity_id", parts["activity_id"])
    acts = acts[acts["org_id"] == org_id]
    ds = Dataset({"activities": acts, "activity_volunteers": parts})
    months = monthly_hours(ds, volunteer_id, year)
    in_year = acts[acts["date"].astype(str).str.startswith(f"{year:04d}-")]
    org = one_row("organizations", org_id=org_id) or {"name": org_id}
    return HoursCertificate(
        volunteer_id,
        str(volunteer["name"]),
        str(org["name"]),
        year,
        months,
        issued_on,
        tuple(sorted(set(in_year["service"]))),
    )
