"""The rules of the 疑点清单, each a pure, vectorised function of a :class:`Dataset`.

A rule returns :class:`Item` objects: what looks wrong, why (in Chinese, with the numbers), and a
key that names the record *and its current state*, so an item that was checked and then gets worse
(one more village beyond capacity, more hours) comes back as a new item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from graph_schema import Dataset

from .duplicates import duplicate_organizations, normalise_name, normalise_phone
from .items import N_, Item, Thresholds
from .items import plain_number as _num
from .ledger_rules import LEDGER_RULE_LABELS_ZH, LEDGER_RULES

__all__ = [
    "Item",
    "Thresholds",
    "RULES",
    "RULE_LABELS_ZH",
    "find_items",
    "over_capacity",
    "volunteer_in_many_orgs",
    "volunteer_hours",
    "review_outliers",
    "idle_supported_villages",
    "duplicate_organizations",
    "normalise_name",
    "normalise_phone",
]


# -- 1. capacity --------------------------------------------------------------------------------
def over_capacity(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """Organizations assigned to more villages than their ``max_villages``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"organizations": pd.DataFrame({"org_id": ["O1"], "name": ["甲"],
    ...     "max_villages": [1]}), "partnerships": pd.DataFrame({"village_id": ["V1", "V2"],
    ...     "org_id": ["O1", "O1"]})})
    >>> over_capacity(ds)[0].reason
    '甲（O1）帮扶 2 个村，超过其可承接上限 1 个'
    """
    orgs = ds["organizations"]
    counts = ds["partnerships"].groupby("org_id").size().rename("assigned")
    merged = orgs.set_index("org_id").join(counts, how="inner")
    capacity = merged["max_villages"].astype("float64").fillna(0)
    over = merged[merged["assigned"] > capacity]
    items = []
    for org_id, row in over.iterrows():
        assigned, cap = int(row["assigned"]), int(capacity[org_id])
        items.append(
            Item.of(
                "over_capacity",
                f"over_capacity:{org_id}:{assigned}/{cap}",
                f"organizations:{org_id}",
                N_("%(name)s（%(org_id)s）帮扶 %(assigned)s 个村，超过其可承接上限 %(max)s 个"),
                {"name": row["name"], "org_id": org_id, "assigned": assigned, "max": cap},
                {"org_id": org_id, "assigned": assigned, "max_villages": cap},
            )
        )
    return items


# -- 2. volunteers ------------------------------------------------------------------------------
def volunteer_in_many_orgs(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """The same person (name and place) registered as a volunteer of many organizations.

    ``volunteers.csv`` has one organization per volunteer id, so one person in several
    organizations shows up as several ids with the same name at the same place.
    """
    th = th or Thresholds()
    vol = ds["volunteers"]
    vol = vol[vol["org_id"].notna() & vol["name"].notna()]
    if vol.empty:
        return []
    frame = pd.DataFrame(
        {
            "name": vol["name"].astype(str).str.strip(),
            "lat": vol["lat"].round(th.place_decimals),
            "lon": vol["lon"].round(th.place_decimals),
            "org_id": vol["org_id"],
            "volunteer_id": vol["volunteer_id"],
        }
    )
    groups = frame.groupby(["name", "lat", "lon"], sort=True)
    n_orgs = groups["org_id"].transform("nunique")
    flagged = frame[n_orgs >= th.volunteer_orgs]
    items = []
    for (name, lat, lon), group in flagged.groupby(["name", "lat", "lon"], sort=True):
        orgs = sorted(set(group["org_id"]))
        ids = sorted(group["volunteer_id"])
        items.append(
            Item.of(
                "volunteer_many_orgs",
                f"volunteer_many_orgs:{name}@{lat},{lon}:{len(orgs)}",
                f"volunteers:{ids[0]}",
                N_("志愿者 %(name)s（同一位置 %(lat)s, %(lon)s）登记在 %(n)s 个组织：%(orgs)s"),
                {"name": name, "lat": lat, "lon": lon, "n": len(orgs), "orgs": "、".join(orgs)},
                {"name": name, "lat": lat, "lon": lon, "org_ids": orgs, "volunteer_ids": ids},
            )
        )
    return items


def volunteer_hours(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """Volunteers with more hours a month than a person can plausibly give."""
    th = th or Thresholds()
    vol = ds["volunteers"]
    flagged = vol[vol["hours_per_month"] > th.volunteer_hours]
    return [
        Item.of(
            "volunteer_hours",
            f"volunteer_hours:{row.volunteer_id}:{_num(row.hours_per_month)}",
            f"volunteers:{row.volunteer_id}",
            N_("志愿者 %(name)s（%(id)s）每月服务 %(hours)s 小时，超过 %(limit)s 小时"),
            {
                "name": row.name,
                "id": row.volunteer_id,
                "hours": _num(row.hours_per_month),
                "limit": _num(th.volunteer_hours),
            },
            {
                "volunteer_id": row.volunteer_id,
                "org_id": row.org_id,
                "hours_per_month": _num(row.hours_per_month),
            },
        )
        for row in flagged.itertuples(index=False)
    ]


# -- 3. reviews ---------------------------------------------------------------------------------
def review_outliers(ds: Dataset, th: Thresholds | None = None) -> list[Item]:
    """Reviews far from the other reviews of the same (lead) organization.

    The robust z-score ``0.6745 (x - median) / MAD`` of each score among its organization's
    reviews; when more than half the scores are equal (MAD 0) the mean absolute deviation
    (scaled by 1.2533) stands in for it. A few close scores make the MAD tiny, so a review must
    also differ from the median by ``review_min_gap`` points.
    """
    th = th or Thresholds()
    reviews = ds["reviews"].merge(
        ds["projects"][["project_id", "lead_org_id", "name"]], on="project_id", how="inner"
    )
    reviews = reviews[reviews["score"].notna() & reviews["lead_org_id"].notna()]
    if reviews.empty:
        return []
    by_org = reviews.groupby("lead_org_id")["score"]
    count = by_org.transform("size")
    median = by_org.transform("median")
    deviation = (reviews["score"] - median).abs()
    mad = deviation.groupby(reviews["lead_org_id"]).transform("median")
    mean_ad = deviation.groupby(reviews["lead_org_id"]).transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            mad > 0,
            0.6745 * (reviews["score"] - median) / mad,
            (reviews["score"] - median) / (1.2533 * mean_ad),
        )
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    flagged = (
        (count >= th.review_min_count).to_numpy()
        & (np.abs(z) > th.review_z)
        & (deviation >= th.review_min_gap).to_numpy()
    )
    items = []
    for row, zi, med in zip(
        reviews[flagged].itertuples(index=False),
        z[flagged],
        median[flagged],
        strict=True,
    ):
        items.append(
            Item.of(
                "review_outlier",
                f"review_outlier:{row.project_id}|{row.reviewed_on or ''}|{row.reviewer or ''}"
                f":{_num(row.score)}",
                f"reviews:{row.project_id}",
                N_(
                    "项目 %(project)s（%(project_id)s）的评分 %(score)s 与该组织（%(org_id)s）"
                    "其他评分的中位数 %(median)s 相差过大（稳健 z 值 %(z)s）"
                ),
                {
                    "project": row.name,
                    "project_id": row.project_id,
                    "score": _num(row.score),
                    "org_id": row.lead_org_id,
                    "median": _num(med),
                    "z": f"{zi:.1f}",
                },
                {
                    "project_id": row.project_id,
                    "org_id": row.lead_org_id,
                    "score": _num(row.score),
                    "median": _num(med),
                    "z": round(float(zi), 2),
                    "reviewed_on": row.reviewed_on,
                    "reviewer": row.reviewer,
                },
            )
        )
    return items


# -- 4. villages --------------------------------------------------------------------------------
def idle_supported_villages(
    ds: Dataset, th: Thresholds | None = None, today: dt.date | None = None
) -> list[Item]:
    """Villages with a partnership for over a year but no project activity in the last year.

    A project counts as activity up to its ``end_date`` (a running project, without one, up to
    today); a partnership younger than the period is not expected to show activity yet.
    """
    th = th or Thresholds()
    today = today or dt.date.today()
    cutoff = pd.Timestamp(today - dt.timedelta(days=th.idle_days))
    partners = ds["partnerships"]
    if partners.empty:
        return []
    since = pd.to_datetime(partners["since"], errors="coerce")
    first_since = since.groupby(partners["village_id"]).min()
    # An unknown start counts as old: the village has been marked supported all along.
    old = first_since[first_since.isna() | (first_since <= cutoff)].index
    projects = ds["projects"]
    projects = projects[projects["village_id"].notna()]
    started = pd.to_datetime(projects["start_date"], errors="coerce")
    ended = pd.to_datetime(projects["end_date"], errors="coerce")
    running = ended.isna() & started.notna() & (started <= pd.Timestamp(today))
    active_until = ended.mask(running, pd.Timestamp(today))
    last = active_until.groupby(projects["village_id"]).max()
    villages = ds["villages"].set_index("village_id")
    items = []
    for village_id in sorted(old):
        last_seen = last.get(village_id, pd.NaT)
        if pd.notna(last_seen) and last_seen >= cutoff:
            continue
        name = villages["name"].get(village_id, village_id)
        message = (
            N_("%(name)s（%(village_id)s）标为已帮扶，但 %(days)s 天内没有项目活动（从无项目记录）")
            if pd.isna(last_seen)
            else N_(
                "%(name)s（%(village_id)s）标为已帮扶，但 %(days)s 天内没有项目活动"
                "（最近项目结束于 %(last)s）"
            )
        )
        last_day = "" if pd.isna(last_seen) else str(last_seen.date())
        items.append(
            Item.of(
                "idle_village",
                f"idle_village:{village_id}:{last_day}",
                f"villages:{village_id}",
                message,
                {"name": name, "village_id": village_id, "days": th.idle_days, "last": last_day},
                {
                    "village_id": village_id,
                    "last_activity": None if pd.isna(last_seen) else str(last_seen.date()),
                    "org_ids": sorted(partners.loc[partners["village_id"] == village_id, "org_id"]),
                },
            )
        )
    return items


#: rule code → Chinese label, in the order the page lists them
RULE_LABELS_ZH: dict[str, str] = {
    "over_capacity": "超出承接能力",
    "volunteer_many_orgs": "志愿者多头登记",
    "volunteer_hours": "志愿服务时长异常",
    "review_outlier": "评分异常",
    "idle_village": "帮扶村无项目活动",
    "duplicate_org": "疑似重复登记",
    **LEDGER_RULE_LABELS_ZH,
}

RuleFunction = Callable[..., list[Item]]
RULES: dict[str, RuleFunction] = {
    "over_capacity": over_capacity,
    "volunteer_many_orgs": volunteer_in_many_orgs,
    "volunteer_hours": volunteer_hours,
    "review_outlier": review_outliers,
    "idle_village": idle_supported_villages,
    "duplicate_org": duplicate_organizations,
    **LEDGER_RULES,
}


def find_items(
    ds: Dataset,
    contacts: pd.DataFrame | None = None,
    thresholds: Thresholds | None = None,
    today: dt.date | None = None,
    rules: Mapping[str, RuleFunction] | None = None,
) -> list[Item]:
    """Run every rule; items in the order of :data:`RULE_LABELS_ZH`, then by key.

    Parameters
    ----------
    ds : Dataset
    contacts : DataFrame, optional
        ``org_id`` and ``phone`` of organizations (kept in the site database).
    thresholds : Thresholds, optional
    today : date, optional
        The day the idle-village rule measures from (default: today).

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"volunteers": pd.DataFrame({"volunteer_id": ["P1"], "name": ["王某"],
    ...     "lat": [36.2], "lon": [117.1], "hours_per_month": [400]})})
    >>> [i.rule for i in find_items(ds)]
    ['volunteer_hours']
    """
    th = thresholds or Thresholds()
    items: list[Item] = []
    for name, rule in (rules or RULES).items():
        if name in ("idle_village", "activity_outside_partnership"):
            items += rule(ds, th, today=today)
        elif name == "duplicate_org":
            items += rule(ds, contacts, th)
        else:
            items += rule(ds, th)
    order = {rule: i for i, rule in enumerate(RULE_LABELS_ZH)}
    return sorted(items, key=lambda it: (order.get(it.rule, 99), it.key))
