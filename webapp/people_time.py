"""Beijing time and people's names: how every page, letter and export shows a time or a person.

Times are stored as UTC ISO 8601 text (``graph_schema.store.base.now_iso``); people as account
actors (``officer:li``). A reader in the county expects Beijing time (Asia/Shanghai, UTC+8 all
year) and the person's display name, so this module is the one place that turns one into the
other: the Python functions here, and the Jinja filters ``beijing``, ``beijing_date`` and
``person`` registered by :func:`init_people_time`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

__all__ = [
    "BEIJING",
    "beijing",
    "beijing_date",
    "chinese_date",
    "display_names",
    "person",
    "init_people_time",
]

BEIJING = ZoneInfo("Asia/Shanghai")
#: the roles an account actor (``role:username``) starts with; any other text is not an account
_ROLES = ("officer", "organization", "reviewer", "admin")


def _username(actor: str) -> str | None:
    role, _, username = actor.partition(":")
    return username if role in _ROLES and username else None


def _parse(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:  # stored times without an offset are UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


def beijing(value: str | dt.datetime | None) -> str:
    """A stored time as Beijing time to the minute; text that is not a time comes back as is.

    Examples
    --------
    >>> beijing("2026-12-01T23:05:09+00:00")
    '2026-12-02 07:05'
    >>> beijing("2026-03-01"), beijing(None)
    ('2026-03-01', '')
    """
    if isinstance(value, str) and len(value) <= 10:
        return value  # a date alone has no time of day to move
    moment = _parse(value)
    if moment is None:
        return "" if value is None else str(value)
    return moment.strftime("%Y-%m-%d %H:%M")


def beijing_date(value: str | dt.datetime | None) -> str:
    """The Beijing calendar date of a stored time (``YYYY-MM-DD``).

    Examples
    --------
    >>> beijing_date("2026-12-31T16:30:00+00:00")
    '2027-01-01'
    """
    if isinstance(value, str) and len(value) == 10:
        return value
    moment = _parse(value)
    return "" if moment is None else moment.date().isoformat()


def chinese_date(value: str | dt.datetime | None) -> str:
    """A stored time or date as a letter writes it, in Beijing: ``2027年1月1日``.

    Examples
    --------
    >>> chinese_date("2026-12-31T16:30:00+00:00"), chinese_date("2026-03-05")
    ('2027年1月1日', '2026年3月5日')
    """
    day = beijing_date(value)
    try:
        year, month, date = (int(x) for x in day.split("-"))
    except ValueError:
        return str(value or "")
    return f"{year}年{month}月{date}日"


def display_names(session: Session, actors: set[str]) -> dict[str, str]:
    """The display name of each account actor (``role:username``) that has one."""
    from .sitedb.models import User

    by_user = {u: a for a in actors if (u := _username(a))}
    if not by_user:
        return {}
    rows = session.execute(
        select(User.username, User.display_name).where(User.username.in_(list(by_user)))
    )
    return {by_user[u]: name for u, name in rows if name and u in by_user}


def person(actor: str | None, session: Session | None = None) -> str:
    """How a page names the person behind an actor: the display name, else the username.

    Actors that are not accounts (``system``, an importer's label) come back unchanged.

    Examples
    --------
    >>> person("officer:li"), person("system"), person("@SUM(A1:A9)"), person(None)
    ('li', 'system', '@SUM(A1:A9)', '')
    """
    if not actor:
        return ""
    cache: dict[str, str] | None = None
    if session is None and has_app_context():
        from .sitedb import get_session

        session = get_session()
        cache = g.setdefault("people_time_names", {})  # one lookup per actor per request
        if actor in cache:
            return cache[actor]
    name = None
    if session is not None and _username(actor):
        name = display_names(session, {actor}).get(actor)
    shown = name or _username(actor) or actor
    if cache is not None:
        cache[actor] = shown
    return shown


def init_people_time(app: Flask) -> None:
    """Register the filters ``beijing``, ``beijing_date`` and ``person``."""
    app.jinja_env.filters["beijing"] = beijing
    app.jinja_env.filters["beijing_date"] = beijing_date
    app.jinja_env.filters["person"] = person
