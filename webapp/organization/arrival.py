"""报到 on the organization's 帮扶村庄 page: the lead organization of a group reports its arrival.

Every village card shows its group's 报到 (or that the letter is not issued yet); the lead
organization gets the form (date, who received the group on the village committee and their
role, a note) until an officer confirmed the 报到. The operation is
:func:`webapp.services.arrivals.report_arrival`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema.store.base import now_iso

from ..accounts.access import role_required
from ..extensions import get_store
from ..people_time import beijing_date
from ..services.arrivals import (
    ArrivalError,
    ArrivalRefused,
    arrival_for,
    lead_letter,
    report_arrival,
)
from ..sitedb import get_session
from .views import bp

__all__ = ["arrival_state"]


def arrival_state(village_id: str) -> dict:
    """What a village card shows of 报到: the letter, its issue date, the 报到, today.

    Needs an application context (the store and the site database).
    """
    letter = lead_letter(get_store(), village_id)
    return {
        "letter": letter,
        "issued_on": beijing_date(letter.issued_at) if letter else "",
        "arrival": arrival_for(get_session(), letter),
        "today": beijing_date(now_iso()),
    }


@bp.context_processor
def _arrival_helpers() -> dict:
    return {"arrival_state": arrival_state}


@bp.post("/villages/<village_id>/arrival")
@role_required("organization")
def village_arrival(village_id: str):
    org_id = current_user.org_id
    if not org_id:
        abort(403)
    try:
        report_arrival(
            get_store(),
            get_session(),
            village_id,
            request.form,
            current_user.actor,
            org_id=org_id,
            today=beijing_date(now_iso()),
        )
    except ArrivalRefused as exc:
        flash(str(exc), "error")
    except ArrivalError as exc:
        flash(_("报到未登记：") + "；".join(exc.errors.values()), "error")
    else:
        flash(_("已登记报到"), "success")
    return redirect(url_for("organization.villages") + f"#village-{village_id}")
