"""疑点清单 rules on the assistance ledger (帮扶台账): activities and volunteers' hours.

Each rule is a pure function of a :class:`Dataset` (its ``activities`` and
``activity_volunteers`` tables, issue 15) returning :class:`Item` objects, like the rules of
:mod:`webapp.integrity.rules`. A key names the record and its numbers, so an item checked once
comes back when it gets worse (more hours, more people).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graph_schema import Dataset
from matcher.snapshot import haversine_km

from .items import N_, Item, Thresholds
from .items import plain_number as _num

__all__ = [
    "LEDGER_RULES",
    "LEDGER_RULE_LABELS_ZH",
    "ledger_hours_beyond_month",
    "volunteer_in_distant_villages",
    "reach_beyond_population",
    "activity_outside_partnership",
]


def _hours(ds: Dataset) -> pd.DataFrame:
    """One row per volunteer's part in an activity, with the activity's date and village."""
    acts = ds["activities"][["activity_id", "village_id", "org_id", "date"]]
    return ds["activity_volunteers"].merge(acts, on="activity_id", how="inner")


def ledger_hours_beyond_month(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """Volunteers whose recorded hours in a month exceed the ``hours_per_month`` they give.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "volunteers": pd.DataFrame({"volunteer_id": ["P1"], "name": ["张伟"], "lat": [36.2],
    ...         "lon": [117.1], "hours_per_month": [8]}),
    ...     "activities": pd.DataFrame({"activity_id": ["A1", "A2"], "village_id": ["V1", "V1"],
    ...         "org_id": ["O1", "O1"], "service": ["medical"] * 2,
    ...         "date": ["2026-05-03", "2026-05-20"]}),
    ...     "activity_volunteers": pd.DataFrame({"activity_id": ["A1", "A2"],
    ...         "volunteer_id": ["P1", "P1"], "hours": [6, 5]})})
    >>> ledger_hours_beyond_month(ds)[0].reason
    '志愿者 张伟（P1）2026-05 记录服务 11 小时，超过其每月可服务 8 小时'
    """
    hours = _hours(ds)
    vol = ds["volunteers"].set_index("volunteer_id")
    if hours.empty:
        return []
    hours["month"] = pd.to_datetime(hours["date"], errors="coerce").dt.strftime("%Y-%m")
    totals = hours.groupby(["volunteer_id", "month"])["hours"].sum().reset_index()
    totals["limit"] = totals["volunteer_id"].map(vol["hours_per_month"]).astype("float64")
    flagged = totals[totals["limit"].notna() & (totals["hours"] > totals["limit"])]
    items = []
    for row in flagged.itertuples(index=False):
        total, limit = _num(row.hours), _num(row.limit)
        name = vol["name"].get(row.volunteer_id, row.volunteer_id)
        items.append(
            Item.of(
                "ledger_hours",
                f"ledger_hours:{row.volunteer_id}:{row.month}:{total}",
                f"volunteers:{row.volunteer_id}",
                N_(
                    "志愿者 %(name)s（%(id)s）%(month)s 记录服务 %(hours)s 小时，超过其每月可服务 %(limit)s 小时"
                ),
                {
                    "name": name,
                    "id": row.volunteer_id,
                    "month": row.month,
                    "hours": total,
                    "limit": limit,
                },
                {
                    "volunteer_id": row.volunteer_id,
                    "month": row.month,
                    "hours": total,
                    "hours_per_month": limit,
                },
            )
        )
    return items


def volunteer_in_distant_villages(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """One volunteer recorded on the same day in two villages farther apart than
    ``th.ledger_distant_km`` (the farthest pair of that day).

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "villages": pd.DataFrame({"village_id": ["V1", "V2"], "name": ["易洼村", "邹营村"],
    ...         "county": ["泰山区", "东平县"], "lat": [36.3, 35.9], "lon": [117.2, 116.1]}),
    ...     "volunteers": pd.DataFrame({"volunteer_id": ["P1"], "name": ["张伟"], "lat": [36.2],
    ...         "lon": [117.1]}),
    ...     "activities": pd.DataFrame({"activity_id": ["A1", "A2"], "village_id": ["V1", "V2"],
    ...         "org_id": ["O1", "O1"], "service": ["medical"] * 2,
    ...         "date": ["2026-05-03", "2026-05-03"]}),
    ...     "activity_volunteers": pd.DataFrame({"activity_id": ["A1", "A2"],
    ...         "volunteer_id": ["P1", "P1"], "hours": [3, 3]})})
    >>> volunteer_in_distant_villages(ds)[0].reason
    '志愿者 张伟（P1）2026-05-03 同一天在相距 108 公里的 易洼村（V1）和 邹营村（V2）服务'
    """
    th = th or Thresholds()
    hours = _hours(ds)
    if hours.empty:
        return []
    villages = ds["villages"].set_index("village_id")
    vol = ds["volunteers"].set_index("volunteer_id")
    places = hours[["volunteer_id", "date", "village_id"]].drop_duplicates()
    pairs = places.merge(places, on=["volunteer_id", "date"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["village_id_a"] < pairs["village_id_b"]]
    if pairs.empty:
        return []
    km = haversine_km(
        pairs["village_id_a"].map(villages["lat"]).astype("float64").to_numpy(),
        pairs["village_id_a"].map(villages["lon"]).astype("float64").to_numpy(),
        pairs["village_id_b"].map(villages["lat"]).astype("float64").to_numpy(),
        pairs["village_id_b"].map(villages["lon"]).astype("float64").to_numpy(),
    )
    pairs = pairs.assign(km=np.nan_to_num(km, nan=0.0))
    far = pairs[pairs["km"] > th.ledger_distant_km].sort_values("km", ascending=False)
    items = []
    for (volunteer_id, day), group in far.groupby(["volunteer_id", "date"], sort=True):
        top = group.iloc[0]
        a, b = top["village_id_a"], top["village_id_b"]
        items.append(
            Item.of(
                "volunteer_two_places",
                f"volunteer_two_places:{volunteer_id}:{day}:{a}|{b}",
                f"volunteers:{volunteer_id}",
                N_(
                    "志愿者 %(name)s（%(id)s）%(day)s 同一天在相距 %(km)s 公里的 %(a_name)s（%(a)s）"
                    "和 %(b_name)s（%(b)s）服务"
                ),
                {
                    "name": vol["name"].get(volunteer_id, volunteer_id),
                    "id": volunteer_id,
                    "day": str(day),
                    "km": f"{top['km']:.0f}",
                    "a": a,
                    "b": b,
                    "a_name": villages["name"].get(a, a),
                    "b_name": villages["name"].get(b, b),
                },
                {
                    "volunteer_id": volunteer_id,
                    "date": str(day),
                    "village_ids": [a, b],
                    "km": round(float(top["km"]), 1),
                },
            )
        )
    return items


def reach_beyond_population(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """Activities that report reaching more people than live in their village.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...         "county": ["泰山区"], "lat": [36.3], "lon": [117.2], "population": [490]}),
    ...     "activities": pd.DataFrame({"activity_id": ["A1"], "village_id": ["V1"],
    ...         "org_id": ["O1"], "service": ["medical"], "date": ["2026-05-03"],
    ...         "beneficiaries": [1200]})})
    >>> reach_beyond_population(ds)[0].reason
    '活动 A1（易洼村 V1，2026-05-03）记录服务 1200 人次，超过该村人口 490 人'
    """
    acts = ds["activities"]
    villages = ds["villages"].set_index("village_id")
    population = acts["village_id"].map(villages["population"]).astype("float64")
    reached = acts["beneficiaries"].astype("float64")
    flagged = acts[(population.notna() & reached.notna() & (reached > population)).to_numpy()]
    return [
        Item.of(
            "reach_beyond_population",
            f"reach_beyond_population:{row.activity_id}:{_num(row.beneficiaries)}",
            f"activities:{row.activity_id}",
            N_(
                "活动 %(id)s（%(village)s %(village_id)s，%(date)s）记录服务 %(reached)s 人次，"
                "超过该村人口 %(population)s 人"
            ),
            {
                "id": row.activity_id,
                "village": villages["name"].get(row.village_id),
                "village_id": row.village_id,
                "date": str(row.date),
                "reached": _num(row.beneficiaries),
                "population": _num(villages["population"].get(row.village_id)),
            },
            {
                "activity_id": row.activity_id,
                "village_id": row.village_id,
                "org_id": row.org_id,
                "beneficiaries": _num(row.beneficiaries),
                "population": _num(villages["population"].get(row.village_id)),
            },
        )
        for row in flagged.itertuples(index=False)
    ]


def activity_outside_partnership(
    ds: Dataset, th: Thresholds | None = None, today: dt.date | None = None
) -> list[Item]:
    """Activities of an organization in a village outside their partnership: before its
    ``since``, after today, or with no partnership of that organization and village in force.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "partnerships": pd.DataFrame({"village_id": ["V1"], "org_id": ["O1"],
    ...         "since": ["2026-06-01"]}),
    ...     "activities": pd.DataFrame({"activity_id": ["A1", "A2"], "village_id": ["V1", "V2"],
    ...         "org_id": ["O1", "O1"], "service": ["medical"] * 2,
    ...         "date": ["2026-05-03", "2026-07-01"]})})
    >>> [i.reason for i in activity_outside_partnership(ds, today=dt.date(2026, 12, 1))]
    ['活动 A1（O1 在 V1，2026-05-03）早于帮扶关系开始日期 2026-06-01', '活动 A2（O1 在 V2，2026-07-01）没有该组织与该村的帮扶关系']
    """
    today = today or dt.date.today()
    acts = ds["activities"]
    if acts.empty:
        return []
    links = ds["partnerships"][["village_id", "org_id", "since"]]
    merged = acts.merge(links, on=["village_id", "org_id"], how="left", indicator=True)
    day = pd.to_datetime(merged["date"], errors="coerce")
    since = pd.to_datetime(merged["since"], errors="coerce")
    none = (merged["_merge"] == "left_only").to_numpy()
    early = (~none & since.notna() & (day < since)).to_numpy()
    future = (day > pd.Timestamp(today)).to_numpy()
    items = []
    for i, row in enumerate(merged.itertuples(index=False)):
        if none[i]:
            why, message = (
                "none",
                N_(
                    "活动 %(id)s（%(org_id)s 在 %(village_id)s，%(date)s）没有该组织与该村的帮扶关系"
                ),
            )
        elif early[i]:
            why, message = (
                "early",
                N_(
                    "活动 %(id)s（%(org_id)s 在 %(village_id)s，%(date)s）早于帮扶关系开始日期 %(since)s"
                ),
            )
        elif future[i]:
            why, message = (
                "future",
                N_("活动 %(id)s（%(org_id)s 在 %(village_id)s，%(date)s）日期晚于今天"),
            )
        else:
            continue
        since_day = "" if pd.isna(since.iloc[i]) else str(since.iloc[i].date())
        items.append(
            Item.of(
                "activity_outside_partnership",
                f"activity_outside_partnership:{row.activity_id}:{why}:{row.date}",
                f"activities:{row.activity_id}",
                message,
                {
                    "id": row.activity_id,
                    "org_id": row.org_id,
                    "village_id": row.village_id,
                    "date": str(row.date),
                    "since": since_day,
                },
                {
                    "activity_id": row.activity_id,
                    "org_id": row.org_id,
                    "village_id": row.village_id,
                    "date": str(row.date),
                    "since": since_day or None,
                    "why": why,
                },
            )
        )
    return items


#: rule code → Chinese label, in the order the page lists them (after the older rules)
LEDGER_RULE_LABELS_ZH: dict[str, str] = {
    "ledger_hours": "台账时长超出每月可服务时长",
    "volunteer_two_places": "志愿者同日异地",
    "reach_beyond_population": "服务人次超过村人口",
    "activity_outside_partnership": "活动不在帮扶关系期内",
}

LEDGER_RULES = {
    "ledger_hours": ledger_hours_beyond_month,
    "volunteer_two_places": volunteer_in_distant_villages,
    "reach_beyond_population": reach_beyond_population,
    "activity_outside_partnership": activity_outside_partnership,
}
