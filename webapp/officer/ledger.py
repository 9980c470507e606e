"""A village's assistance ledger (帮扶台账) for officers: its activities, newest first, a
timeline of activities and volunteer hours per month, and the group's 报到 (issue 15).

The rows are the stored ``activities`` and ``activity_volunteers`` of the village; the village
must be in the officer's scope (:func:`webapp.scope.scoped_world`), else 404 as on its page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from flask import abort, render_template

from graph_schema import Dataset
from graph_schema.store.base import now_iso

from ..extensions import get_store
from ..organization.data import rows, rows_in
from ..people_time import beijing_date
from ..scope import scoped_world
from ..services.arrivals import arrival_for, lead_letter
from ..sitedb import get_session
from .blueprint import bp
from .world_cache import current_world

__all__ = ["LedgerMonth", "village_ledger", "ledger_timeline"]


@dataclass(frozen=True)
class LedgerMonth:
    """One month of a village's timeline."""

    month: str
    activities: int
    beneficiaries: int
    volunteer_hours: float


def ledger_timeline(ledger: Dataset) -> list[LedgerMonth]:
    """Activities, people reached and volunteer hours per month, oldest first.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({
    ...     "activities": pd.DataFrame({"activity_id": ["A1", "A2"], "village_id": ["V1"] * 2,
    ...         "org_id": ["O1"] * 2, "service": ["medical"] * 2,
    ...         "date": ["2026-05-03", "2026-05-20"], "beneficiaries": [30, None]}),
    ...     "activity_volunteers": pd.DataFrame({"activity_id": ["A1"], "volunteer_id": ["P1"],
    ...         "hours": [6]})})
    >>> ledger_timeline(ds)
    [LedgerMonth(month='2026-05', activities=2, beneficiaries=30, volunteer_hours=6.0)]
    """
    acts = ledger["activities"]
    if acts.empty:
        return []
    month = pd.to_datetime(acts["date"], errors="coerce").dt.strftime("%Y-%m")
    hours = ledger["activity_volunteers"].groupby("activity_id")["hours"].sum()
    frame = pd.DataFrame(
        {
            "month": month,
            "beneficiaries": acts["beneficiaries"].astype("float64").fillna(0),
            "hours": acts["activity_id"].map(hours).astype("float64").fillna(0),
        }
    )
    out = frame.groupby("month", sort=True).agg(
        activities=("month", "size"), beneficiaries=("beneficiaries", "sum"), hours=("hours", "sum")
    )
    return [
        LedgerMonth(str(m), int(r.activities), int(r.beneficiaries), float(r.hours))
        for m, r in out.iterrows()
    ]


def village_ledger(village_id: str) -> Dataset:
    """The stored activities of a village and their volunteers' hours (needs an app context)."""
    acts = rows("activities", village_id=village_id)
    parts = rows_in("activity_volunteers", "activity_id", acts["activity_id"])
    return Dataset({"activities": acts, "activity_volunteers": parts})


@bp.get("/villages/<village_id>/ledger")
def village_ledger_page(village_id: str):
    world = scoped_world(current_world(get_store()))
    village = world.villages.get(village_id)
    if village is None:
        abort(404)  # unknown, or outside the officer's county
    ledger = village_ledger(village_id)
    acts = ledger["activities"].sort_values(["date", "activity_id"], ascending=[False, True])
    parts = ledger["activity_volunteers"]
    people = parts.groupby("activity_id").agg(n=("volunteer_id", "size"), hours=("hours", "sum"))
    timeline = ledger_timeline(ledger)
    letter = lead_letter(get_store(), village_id)
    return render_template(
        "officer/ledger.html",
        v=village,
        world=world,
        activities=acts.astype(object).where(acts.notna(), None).to_dict("records"),
        people=people.to_dict("index"),
        timeline=timeline,
        peak=max((m.activities for m in timeline), default=0),
        total_hours=float(parts["hours"].sum()) if len(parts) else 0.0,
        letter=letter,
        letter_issued_on=beijing_date(letter.issued_at) if letter else "",
        arrival=arrival_for(get_session(), letter),
        today=beijing_date(now_iso()),
    )
