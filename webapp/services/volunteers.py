"""An organization's volunteers: add one from a form, remove one, import a spreadsheet (each
audited). The organization's pages and the API's ``/volunteers`` call these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from flask_babel import gettext as _

from graph_schema import SERVICES
from graph_schema.store.base import ImportReport

from ..extensions import get_store
from ..organization.data import one_row, rows
from ..organization.forms import check_row
from ..organization.volunteers import VolunteerError, checked_upload, new_volunteer_id

__all__ = ["add_volunteer", "delete_volunteer", "import_volunteers"]


def add_volunteer(org_id: str, form: Mapping[str, str], skills: Sequence[str], actor: str) -> str:
    """Register one volunteer of ``org_id`` (audited); returns the new volunteer id."""
    org = one_row("organizations", org_id=org_id)
    if org is None:
        raise VolunteerError({"org_id": _("组织不存在")})
    lat = (form.get("lat") or "").strip() or str(org["lat"])
    lon = (form.get("lon") or "").strip() or str(org["lon"])
    volunteer_id = new_volunteer_id(org_id)
    frame, errors = check_row(
        "volunteers",
        {
            "volunteer_id": volunteer_id,
            "name": (form.get("name") or "").strip(),
            "lat": lat,
            "lon": lon,
            "county": (form.get("county") or "").strip() or org["county"],
            "hours_per_month": (form.get("hours_per_month") or "").strip(),
            "org_id": org_id,
        },
    )
    if len(form.get("name") or "") > 50:
        errors["name"] = _("姓名不能超过 50 个字")
    unknown = [s for s in skills if s not in SERVICES]
    if unknown:
        errors["skills"] = _("“%(value)s”不是有效的代码", value=", ".join(unknown))
    if errors:
        raise VolunteerError(errors)
    store = get_store()
    store.upsert_rows("volunteers", frame, actor, action="add_volunteer")
    if skills:
        store.upsert_rows(
            "volunteer_skills",
            pd.DataFrame({"volunteer_id": volunteer_id, "service": sorted(set(skills))}),
            actor,
            action="add_volunteer",
        )
    return volunteer_id


def delete_volunteer(org_id: str, volunteer_id: str, actor: str) -> bool:
    """Remove a volunteer of ``org_id`` and its skills; False when it is not one of theirs."""
    row = one_row("volunteers", volunteer_id=volunteer_id)
    if row is None or row["org_id"] != org_id:
        return False
    store = get_store()
    skills = rows("volunteer_skills", volunteer_id=volunteer_id)
    if len(skills):
        store.delete_rows(
            "volunteer_skills",
            [(volunteer_id, s) for s in skills["service"]],
            actor,
            action="delete_volunteer",
        )
    store.delete_rows("volunteers", [(volunteer_id,)], actor, action="delete_volunteer")
    return True


def import_volunteers(org_id: str, files: Sequence[tuple[str, bytes]], actor: str) -> ImportReport:
    """Import a spreadsheet of volunteers for ``org_id`` in one transaction, all or nothing.

    Raises
    ------
    ValidationError
        With every problem found (see :func:`webapp.organization.volunteers.checked_upload`);
        nothing is stored.
    """
    upload = checked_upload(org_id, files)
    source = f"organization:{org_id} volunteers " + ", ".join(n for n, _d in files)
    return get_store().import_dataset(upload, actor=actor, source=source)
