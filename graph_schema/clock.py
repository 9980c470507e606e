"""Beijing time for the domain: the calendar day a stored UTC moment falls on in the county.

The stores keep moments as UTC ISO 8601 text (``store.base.now_iso``). Where a moment becomes a
date or a time people read — a partnership's ``since`` defaulting to the day it was approved, an
export's time column — it is the date and time in Beijing (Asia/Shanghai, UTC+8 all year):
an approval at 07:30 on 2 December in Beijing is 23:30 UTC on 1 December, and takes effect on
2 December. The site's pages use ``webapp.people_time`` (which adds names); ``graph_schema`` may
not import ``webapp``, so the two functions it needs live here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["BEIJING", "beijing_moment", "beijing_date", "beijing_time"]

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_moment(at: str | dt.datetime) -> dt.datetime:
    """A stored moment (ISO text or datetime; no offset means UTC) in Beijing time.

    Raises :class:`ValueError` when ``at`` is not an ISO 8601 time.

    Examples
    --------
    >>> beijing_moment("2026-12-01T23:30:00Z").isoformat()
    '2026-12-02T07:30:00+08:00'
    """
    moment = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


def beijing_date(at: str | dt.datetime) -> str:
    """The Beijing calendar date (``YYYY-MM-DD``) of a stored moment.

    Examples
    --------
    >>> beijing_date("2026-12-01T23:30:00+00:00"), beijing_date("2026-12-01T15:59:59+00:00")
    ('2026-12-02', '2026-12-01')
    """
    return beijing_moment(at).date().isoformat()


def beijing_time(at: str | dt.datetime | None) -> str:
    """A stored moment as Beijing time to the second (``2026-12-02 07:30:00``); '' for none.

    Text that is not a time comes back unchanged, so a column of mixed values loses nothing.

    Examples
    --------
    >>> beijing_time("2026-12-01T23:30:00+00:00"), beijing_time(None), beijing_time("n/a")
    ('2026-12-02 07:30:00', '', 'n/a')
    """
    if at is None or at == "":
        return ""
    try:
        return beijing_moment(at).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(at)
