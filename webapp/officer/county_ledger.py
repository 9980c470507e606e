"""A county's assistance ledger for officers (issue 15): activities by service and month as an
inline SVG chart, the supported villages with no activity for :data:`IDLE_DAYS` days (预警), and
the year's volunteer service (人次, hours) per service for the county and per county and service
for the officer's whole scope (the city for a city officer, the county for a county officer).

The chart is one f-string per element with every text escaped, as the dashboard map
(:mod:`webapp.officer.map_svg`); the villages are those of the officer's scope.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from flask import render_template, request
from markupsafe import Markup, escape

from graph_schema import SERVICE_LABELS_ZH, SERVICES, Dataset

from ..extensions import get_store
from ..organization.data import rows
from ..organization.hours import hours_by_county_service, hours_table
from ..scope import account_county, scoped_world
from .blueprint import bp
from .world_cache import current_world

__all__ = ["IDLE_DAYS", "SERVICE_COLOURS", "activity_chart", "idle_villages", "scope_ledger"]

#: a supported village with no recorded activity for this many days is on the 预警 list
IDLE_DAYS = 60
#: one colour per service (Okabe–Ito, then greys), in the order of ``SERVICES``
SERVICE_COLOURS = dict(
    zip(
        SERVICES,
        ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")
        + ("#666666",) * max(0, len(SERVICES) - 8),
        strict=False,
    )
)


def activity_chart(counts: pd.DataFrame, width: int = 640, height: int = 220) -> Markup:
    """Stacked bars of activities per month, one colour per service, as SVG markup.

    ``counts`` has the columns ``month``, ``service`` and ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> svg = activity_chart(pd.DataFrame({"month": ["2026-05", "2026-05", "2026-06"],
    ...     "service": ["medical", "education", "medical"], "n": [2, 1, 1]}))
    >>> svg.count("<rect"), "2026-06" in svg
    (3, True)
    """
    if counts.empty:
        return Markup("")
    months = sorted(counts["month"].unique())
    totals = counts.groupby("month")["n"].sum()
    peak = max(int(totals.max()), 1)
    plot = height - 40
    step = (width - 40) / len(months)
    bar = min(max(step * 0.7, 2.0), 48.0)  # a few months must not look like a wall
    parts = [
        f'<svg class="activity-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="activities by service and month">',
        f'<text x="4" y="12" font-size="10">{peak}</text>',
        f'<line x1="30" y1="{plot + 10}" x2="{width}" y2="{plot + 10}" stroke="#888"/>',
    ]
    by_month = counts.set_index(["month", "service"])["n"]
    for i, month in enumerate(months):
        x = 34 + i * step
        y = plot + 10.0
        for service in SERVICES:
            n = int(by_month.get((month, service), 0))
            if not n:
                continue
            h = plot * n / peak
            y -= h
            label = escape(f"{month} {SERVICE_LABELS_ZH.get(service, service)}：{n}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{SERVICE_COLOURS.get(service, "#666666")}"><title>{label}</title></rect>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 14}" font-size="10">{escape(month[2:])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def idle_villages(
    supported: dict[str, str], acts: pd.DataFrame, today: dt.date, days: int = IDLE_DAYS
) -> list[dict]:
    """Supported villages (``village_id -> name``) whose last activity is older than ``days``
    (or that have none), longest idle first.

    Examples
    --------
    >>> import pandas as pd, datetime as dt
    >>> acts = pd.DataFrame({"village_id": ["V1", "V2"], "date": ["2026-11-20", "2026-08-01"]})
    >>> [v["village_id"] for v in idle_villages({"V1": "甲", "V2": "乙", "V3": "丙"}, acts,
    ...     dt.date(2026, 12, 1))]
    ['V3', 'V2']
    """
    last = pd.to_datetime(acts["date"], errors="coerce").groupby(acts["village_id"]).max()
    cutoff = pd.Timestamp(today - dt.timedelta(days=days))
    out = []
    for village_id, name in supported.items():
        seen = last.get(village_id, pd.NaT)
        if pd.isna(seen) or seen < cutoff:
            idle = None if pd.isna(seen) else (pd.Timestamp(today) - seen).days
            out.append(
                {
                    "village_id": village_id,
                    "name": name,
                    "last": "" if pd.isna(seen) else str(seen.date()),
                    "days": idle,
                }
            )
    return sorted(out, key=lambda v: (v["days"] is not None, -(v["days"] or 0), v["village_id"]))


def scope_ledger(villages: dict) -> Dataset:
    """The stored activities of ``villages`` (the officer's scope: ``village_id -> Village``) and
    their volunteers' hours, as a Dataset with a ``villages`` table of ids and counties.

    Two whole-table reads and array filters, however many activities there are (the hours used
    to be read with one keyed query per activity).
    """
    frame = pd.DataFrame(
        {"village_id": list(villages), "county": [v.county for v in villages.values()]}
    )
    acts = rows("activities")
    acts = acts[acts["village_id"].isin(frame["village_id"])].reset_index(drop=True)
    parts = rows("activity_volunteers")
    parts = parts[parts["activity_id"].isin(acts["activity_id"])].reset_index(drop=True)
    return Dataset({"villages": frame, "activities": acts, "activity_volunteers": parts})


@bp.get("/ledger")
def county_ledger():
    world = scoped_world(current_world(get_store()))
    counties = sorted({v.county for v in world.villages.values()})
    county = request.args.get("county", "")
    if county not in counties:
        county = counties[0] if counties else ""
    villages = {vid: v for vid, v in world.villages.items() if v.county == county}
    scope = scope_ledger(world.villages)  # the city for a city officer, else the county
    acts = scope["activities"]
    acts = acts[acts["village_id"].isin(list(villages))]
    month = pd.to_datetime(acts["date"], errors="coerce").dt.strftime("%Y-%m")
    counts = (
        pd.DataFrame({"month": month, "service": acts["service"]})
        .groupby(["month", "service"])
        .size()
        .rename("n")
        .reset_index()
    )
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    year = request.args.get("year", type=int) or today.year
    every = hours_by_county_service(scope, year)
    hours = every[every["county"] == county]
    city = hours_table(every)
    supported = {vid: v.name for vid, v in villages.items() if v.supported}
    return render_template(
        "officer/county_ledger.html",
        counties=counties,
        county=county,
        chart=activity_chart(counts),
        legend=[(s, SERVICE_COLOURS[s]) for s in SERVICES if s in set(counts["service"])],
        activities=len(acts),
        idle=idle_villages(supported, acts, today),
        idle_days=IDLE_DAYS,
        year=year,
        hours=hours.to_dict("records"),
        city=city.to_dict("records"),
        city_services=sorted(set(every["service"])),
        whole_city=account_county() is None,
    )
