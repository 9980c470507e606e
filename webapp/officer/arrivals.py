"""报到 for officers: the 逾期未报到 list (page and xlsx) and an officer's 报到 or confirmation.

The list has the groups of the officer's county (:func:`webapp.scope.account_county`; the whole
city for a city officer) whose lead's letter is more than ``ARRIVAL_OVERDUE_DAYS`` days old
(app config, else :attr:`webapp.settings.Settings.arrival_overdue_days`, default 15) and that
have not reported (:func:`webapp.services.arrivals.overdue_groups`). ``?days=`` shows another
number of days. A village outside the officer's county answers 404, as its page does.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema.contract.xlsx_out import Sheet, workbook_bytes
from graph_schema.store.base import now_iso

from ..admin.downloads import send_xlsx
from ..extensions import get_store
from ..people_time import beijing_date
from ..scope import account_county, county_allows, village_county
from ..services.arrivals import (
    ArrivalError,
    ArrivalRefused,
    Overdue,
    confirm_arrival,
    overdue_groups,
    report_arrival,
)
from ..sitedb import get_session
from .blueprint import bp

__all__ = ["overdue_days", "beijing_today", "overdue_sheet"]

#: the xlsx columns of the list, in order
COLUMNS: tuple[str, ...] = ("村", "村编号", "县", "牵头组织", "联系人", "联系电话", "介绍信文号")
COLUMNS += ("开具日期", "已过天数", "逾期天数")


def overdue_days() -> int:
    """The set number of days after the letter (config ``ARRIVAL_OVERDUE_DAYS`` or Settings)."""
    configured = current_app.config.get("ARRIVAL_OVERDUE_DAYS")
    if configured is not None:
        return int(configured)
    from .. import current_settings

    return current_settings().arrival_overdue_days


def beijing_today() -> str:
    """Today's date in Beijing (``YYYY-MM-DD``), the day 报到 dates and overdue days count to."""
    return beijing_date(now_iso())


def overdue_sheet(items: list[Overdue], days: int, today: str) -> Sheet:
    """The 逾期未报到 list as one worksheet for :func:`~graph_schema.contract.xlsx_out.workbook_bytes`.

    Examples
    --------
    >>> sheet = overdue_sheet([], 15, "2026-12-02")
    >>> sheet.title, sheet.headers[-1], sheet.caption[:5]
    ('逾期未报到', '逾期天数', '逾期未报到')
    """
    return Sheet(
        "逾期未报到",
        COLUMNS,
        [
            (
                o.village_name,
                o.village_id,
                o.county,
                o.lead_name,
                o.contact_name,
                o.phone,
                o.letter_reference,
                o.issued_on,
                o.days,
                o.days_overdue,
            )
            for o in items
        ],
        caption=f"逾期未报到（介绍信开具超过 {days} 天未报到），截至 {today}",
        widths={"村": 16, "牵头组织": 24, "介绍信文号": 24, "联系电话": 16},
    )


def _listed() -> tuple[list[Overdue], int, str]:
    days = request.args.get("days", type=int)
    if days is None or days < 0:
        days = overdue_days()
    today = beijing_today()
    items = overdue_groups(get_store(), get_session(), today, days, account_county())
    return items, days, today


@bp.get("/arrivals/overdue")
def overdue_arrivals():
    items, days, today = _listed()
    return render_template("officer/overdue_arrivals.html", items=items, days=days, today=today)


@bp.get("/arrivals/overdue.xlsx")
def overdue_arrivals_xlsx():
    items, days, today = _listed()
    data = workbook_bytes([overdue_sheet(items, days, today)])
    return send_xlsx(data, f"overdue-arrivals-{today.replace('-', '')}.xlsx")


def _village_in_scope(village_id: str) -> None:
    county = village_county(village_id)
    if county is None or not county_allows(county):
        abort(404)  # unknown, or outside the officer's county


@bp.post("/villages/<village_id>/arrival")
def village_arrival(village_id: str):
    """An officer records the group's 报到 (``action=report``) or confirms the group's own."""
    _village_in_scope(village_id)
    store, session = get_store(), get_session()
    try:
        if request.form.get("action") == "confirm":
            confirm_arrival(store, session, village_id, current_user.actor)
            flash(_("已确认报到"), "success")
        else:
            report_arrival(
                store,
                session,
                village_id,
                request.form,
                current_user.actor,
                org_id=None,
                today=beijing_today(),
            )
            flash(_("已登记报到"), "success")
    except ArrivalRefused as exc:
        flash(str(exc), "error")
    except ArrivalError as exc:
        flash(_("报到未登记：") + "；".join(exc.errors.values()), "error")
    return redirect(url_for("officer.village_ledger_page", village_id=village_id) + "#arrival")
