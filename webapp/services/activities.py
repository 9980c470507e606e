"""An organization records an activity in one of its villages (帮扶台账, issue 15): the activity
and its volunteers' hours are written together in one transaction (audited as an import), or
refused whole with a message per field.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

import pandas as pd
from flask_babel import gettext as _

from graph_schema import Dataset
from graph_schema.store.base import ImportReport

from ..extensions import get_store
from ..organization.data import rows
from ..organization.forms import FormError, check_row

__all__ = ["ActivityError", "record_activity", "new_activity_id", "import_ledger"]


class ActivityError(FormError):
    """An activity form was refused."""


def new_activity_id(org_id: str) -> str:
    """A fresh activity id of the organization, e.g. ``ORG1-A3F9C2D1``."""
    taken = get_store().known_ids().get(("activities", "activity_id"), set())
    while True:
        activity_id = f"{org_id}-A{secrets.token_hex(4).upper()}"
        if activity_id not in taken:
            return activity_id


def _hours(org_id: str, hours: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The non-empty ``volunteer_id -> hours`` of the form, and errors for strangers' ids."""
    given = {vid: text.strip() for vid, text in hours.items() if (text or "").strip()}
    if not given:
        return {}, {}
    own = set(rows("volunteers", org_id=org_id)["volunteer_id"])
    strangers = sorted(set(given) - own)
    if strangers:
        return given, {"hours": _("不是本组织的志愿者：%(ids)s", ids="、".join(strangers))}
    return given, {}


def record_activity(
    org_id: str, form: Mapping[str, str], hours: Mapping[str, str], actor: str
) -> str:
    """Record one activity of ``org_id`` with its volunteers' hours; returns its id.

    ``form`` has ``village_id``, ``service``, ``date`` and optionally ``beneficiaries``,
    ``value_yuan`` and ``note``; ``hours`` maps the organization's volunteer ids to hours (empty:
    did not take part). The village must be one the organization supports now.
    """
    village_id = (form.get("village_id") or "").strip()
    activity_id = new_activity_id(org_id)
    frame, errors = check_row(
        "activities",
        {
            "activity_id": activity_id,
            "village_id": village_id,
            "org_id": org_id,
            "service": (form.get("service") or "").strip(),
            "date": (form.get("date") or "").strip(),
            "beneficiaries": (form.get("beneficiaries") or "").strip(),
            "value_yuan": (form.get("value_yuan") or "").strip(),
            "note": (form.get("note") or "").strip(),
        },
    )
    supported = set(rows("partnerships", org_id=org_id)["village_id"])
    if village_id and village_id not in supported:
        errors["village_id"] = _("只能记录本组织正在帮扶的村")
    if len(form.get("note") or "") > 500:
        errors["note"] = _("说明不能超过 500 个字")
    given, problems = _hours(org_id, hours)
    errors.update(problems)
    parts = pd.DataFrame(
        {"activity_id": activity_id, "volunteer_id": list(given), "hours": list(given.values())}
    )
    if "hours" not in errors:
        for row in parts.to_dict("records"):
            wrong = check_row("activity_volunteers", row)[1]
            if wrong:
                errors["hours"] = _(
                    "%(id)s 的时长：%(why)s", id=row["volunteer_id"], why=next(iter(wrong.values()))
                )
                break
    if errors:
        raise ActivityError(errors)
    parts["hours"] = pd.to_numeric(parts["hours"])
    dataset = Dataset({"activities": frame, "activity_volunteers": parts})
    get_store().import_dataset(dataset, actor=actor, source=f"activity:{activity_id}")
    return activity_id


def import_ledger(org_id: str, upload: Dataset, file_names: list[str], actor: str) -> ImportReport:
    """Store an organization's checked ledger upload in one transaction (audited as an import
    whose source names the organization and the files; the checks:
    :func:`webapp.organization.activities_upload.checked_activities`)."""
    source = f"organization:{org_id} activities " + ", ".join(file_names)
    return get_store().import_dataset(upload, actor=actor, source=source)
