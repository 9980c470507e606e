"""Changing an organization's profile: capacity, head count, service levels and contact, each
audited. The organization's page and ``PATCH /api/v1/organizations/<id>`` call it."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from flask_babel import gettext as _

from graph_schema import TABLES
from graph_schema.contract.dataset import format_frame

from ..extensions import get_store
from ..organization.contacts import ContactError, check_contact
from ..organization.data import rows
from ..organization.forms import check_row, levels_from_form
from ..organization.operations import set_contact
from ..organization.profile import ProfileError

__all__ = ["update_profile"]


def update_profile(org_id: str, form: Mapping[str, str], actor: str) -> list[str]:
    """Apply the profile form: capacity, head count, service levels, contact (each audited).

    Returns what changed, as field names. Raises :class:`ProfileError` with a message per wrong
    field before anything is written; ``max_villages`` may never go below the villages the
    organization already supports.
    """
    store = get_store()
    current = rows("organizations", org_id=org_id)
    if current.empty:
        raise ProfileError({"org_id": _("组织不存在")})
    spec = TABLES["organizations"]
    values = format_frame(spec, current).iloc[0].to_dict()
    values["max_villages"] = (form.get("max_villages") or "").strip()
    values["volunteers"] = (form.get("volunteers") or "").strip()
    org, errors = check_row("organizations", values)
    assigned = len(rows("partnerships", org_id=org_id))
    if "max_villages" not in errors and int(org["max_villages"].iloc[0]) < assigned:
        errors["max_villages"] = _(
            "本组织目前已帮扶 %(n)s 个村，可承接村数不能少于 %(n)s；如需减少，请先联系民政部门调整帮扶关系",
            n=assigned,
        )
    levels, level_errors = levels_from_form(form)
    errors.update(level_errors)
    if not levels and not level_errors:
        errors["services"] = _("请至少保留一项服务")
    contact_name, phone = form.get("contact_name", ""), form.get("phone", "")
    try:
        check_contact(contact_name, phone)
    except ContactError as exc:
        errors[exc.field] = _(str(exc))
    if errors:
        raise ProfileError(errors)

    changed = []
    if store.upsert_rows("organizations", org, actor, action="update_profile"):
        changed.append("organization")
    caps = rows("capabilities", org_id=org_id)
    old = {str(s): int(v) for s, v in zip(caps["service"], caps["level"], strict=True)}
    upserts = [
        {"org_id": org_id, "service": s, "level": v} for s, v in levels.items() if old.get(s) != v
    ]
    if upserts:
        store.upsert_rows("capabilities", pd.DataFrame(upserts), actor, action="update_profile")
        changed.append("capabilities")
    removed = [(org_id, s) for s in old if s not in levels]
    if removed:
        store.delete_rows("capabilities", removed, actor, action="update_profile")
        changed.append("capabilities")
    if set_contact(org_id, contact_name, phone, actor):
        changed.append("contact")
    return list(dict.fromkeys(changed))
