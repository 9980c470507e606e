"""Self-registration of a social organization and its 审核 by an officer or administrator.

A registration is kept in the site database with a *pending* account until someone approves it:
approving writes the organization and its capabilities to the store (audited) and activates the
account; rejecting records why and leaves the store untouched.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import select

from graph_schema import Dataset

from ..accounts.models import find_by_username
from ..accounts.operations import check_password_rules, create_user, rename_user, set_status
from ..errors import AccountError
from ..extensions import get_store
from ..integrity import Item
from ..integrity.duplicates import duplicate_organizations
from ..sitedb import get_session
from ..sitedb.models import OrgRegistration
from .contacts import ContactError, check_contact, contacts_frame
from .data import county_centres, rows
from .forms import FormError, check_row, levels_from_form
from .operations import (
    audit_rejection,
    decide_registration,
    insert_registration,
    rename_registration,
    set_contact,
    store_registered_organization,
)

__all__ = [
    "Registration",
    "RegistrationError",
    "submit_registration",
    "pending_registrations",
    "get_registration",
    "approve_registration",
    "reject_registration",
    "possible_duplicates",
    "new_org_id",
    "placeholder_username",
]

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MAX_REASON = 500


class RegistrationError(FormError):
    """A registration or a decision on it was refused."""


@dataclass
class Registration:
    id: int
    org_id: str
    username: str
    name: str
    status: str
    submitted_at: str
    payload: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None

    @property
    def username_taken(self) -> bool:
        """The applicant's chosen username was taken: the reviewer assigns another one."""
        return bool(self.payload.get("username_taken"))

    @property
    def requested_username(self) -> str:
        """The username the applicant asked for."""
        return str(self.payload.get("requested_username") or self.username)

    @classmethod
    def from_row(cls, row) -> Registration:
        return cls(
            row["id"],
            row["org_id"],
            row["username"],
            row["name"],
            row["status"],
            row["submitted_at"],
            json.loads(row["payload"]),
            row["decided_by"],
            row["decided_at"],
            row["reason"],
        )


def new_org_id() -> str:
    """A fresh organization id (``ORG`` and 8 hex digits) used neither in the store nor pending."""
    taken = get_store().known_ids().get(("organizations", "org_id"), set())
    db = get_session()
    while True:
        org_id = f"ORG{secrets.token_hex(4).upper()}"
        if org_id in taken:
            continue
        if db.scalar(select(OrgRegistration.id).where(OrgRegistration.org_id == org_id)):
            continue
        return org_id


def _organization_values(form: Mapping[str, str], org_id: str) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    county = (form.get("county") or "").strip()
    lat, lon = (form.get("lat") or "").strip(), (form.get("lon") or "").strip()
    if form.get("use_centre") or (not lat and not lon):
        centre = county_centres().get(county)
        if centre is None:
            errors["lat"] = _("请填写经纬度，或选择一个县（市、区）以使用其中心位置")
        else:
            lat, lon = str(centre[0]), str(centre[1])
    values = {
        "org_id": org_id,
        "name": (form.get("name") or "").strip(),
        "kind": (form.get("kind") or "").strip(),
        "county": county,
        "lat": lat,
        "lon": lon,
        "max_villages": (form.get("max_villages") or "").strip(),
        "volunteers": (form.get("volunteers") or "").strip(),
        "rating": "",
        "has_party_branch": "true" if form.get("has_party_branch") else "false",
    }
    if len(values["name"]) > 100:
        errors["name"] = _("名称不能超过 100 个字")
    return values, errors


def submit_registration(form: Mapping[str, str]) -> Registration:
    """Check a registration form and keep it, with a pending account, until 审核.

    Raises
    ------
    RegistrationError
        With a message for every field that is wrong; nothing is kept.
    """
    org_id = new_org_id()
    values, errors = _organization_values(form, org_id)
    _typed, row_errors = check_row("organizations", values)
    errors.update({k: v for k, v in row_errors.items() if k not in errors})
    levels, level_errors = levels_from_form(form)
    errors.update(level_errors)
    if not levels and not level_errors:
        errors["services"] = _("请至少选择一项服务并填写等级")
    try:
        contact_name, phone = check_contact(form.get("contact_name", ""), form.get("phone", ""))
        if not contact_name:
            errors["contact_name"] = _("必填")
        if not phone:
            errors["phone"] = _("必填")
    except ContactError as exc:
        errors[exc.field] = _(str(exc))
        contact_name, phone = "", ""
    username = (form.get("username") or "").strip()
    password = form.get("password") or ""
    if not _USERNAME.match(username):
        errors["username"] = _("用户名须为 3–64 个字母、数字或 _ . @ -")
    try:
        check_password_rules(password, username)
    except AccountError as exc:
        errors["password"] = _(str(exc))
    if password != (form.get("password2") or ""):
        errors.setdefault("password2", _("两次输入的密码不一致"))
    if errors:
        raise RegistrationError(errors)
    payload: dict[str, Any] = {
        "organization": values,
        "levels": levels,
        "contact_name": contact_name,
        "phone": phone,
        "requested_username": username,
    }
    # A taken username is not said (issue 13: the form must not help enumerate accounts). The
    # application is kept under a placeholder account name with the same work either way (one
    # lookup, one scrypt hash, one insert, one audit entry), and the reviewer assigns another
    # username on approval.
    account = username
    if find_by_username(username) is not None:
        account = placeholder_username(org_id)
    try:
        _create_pending_account(account, password, org_id, values["name"], username)
    except AccountError:  # the name was taken between the lookup and now: the same answer
        account = placeholder_username(org_id)
        _create_pending_account(account, password, org_id, values["name"], username)
    payload["username_taken"] = account != username
    reg_id = insert_registration(org_id, account, values["name"], payload)
    return get_registration(int(reg_id))


def placeholder_username(org_id: str) -> str:
    """The account name a registration is kept under while its chosen username is taken.

    Examples
    --------
    >>> placeholder_username("ORG1A2B3C4D")
    'registration.org1a2b3c4d'
    """
    return f"registration.{org_id.lower()}"


def _create_pending_account(
    account: str, password: str, org_id: str, name: str, requested: str
) -> None:
    create_user(
        account,
        password,
        "organization",
        org_id=org_id,
        display_name=name,
        status="pending",
        actor=f"registration:{requested}",
    )


def get_registration(reg_id: int) -> Registration:
    query = select(OrgRegistration.__table__).where(OrgRegistration.id == reg_id)
    row = get_session().execute(query).mappings().first()
    if row is None:
        raise LookupError(reg_id)
    return Registration.from_row(row)


def pending_registrations(status: str = "pending", limit: int = 200) -> list[Registration]:
    """Registrations in ``status``, oldest first for pending ones, newest first otherwise."""
    order = OrgRegistration.id.asc() if status == "pending" else OrgRegistration.id.desc()
    query = (
        select(OrgRegistration.__table__)
        .where(OrgRegistration.status == status)
        .order_by(order)
        .limit(limit)
    )
    return [Registration.from_row(r) for r in get_session().execute(query).mappings()]


def _frames(reg: Registration) -> tuple[pd.DataFrame, pd.DataFrame]:
    org, errors = check_row("organizations", reg.payload["organization"])
    if errors:  # the contract changed since the registration was checked
        raise RegistrationError(errors)
    caps = pd.DataFrame(
        [
            {"org_id": reg.org_id, "service": s, "level": int(level)}
            for s, level in reg.payload["levels"].items()
        ]
    )
    return org, caps


def approve_registration(reg_id: int, actor: str, username: str = "") -> Registration:
    """Create the organization in the store (audited) and activate its account.

    ``username`` gives the account another name (required when the one the applicant chose
    was taken: :attr:`Registration.username_taken`).
    """
    reg = get_registration(reg_id)
    if reg.status != "pending":
        raise RegistrationError({"status": _("该注册已处理")})
    username = (username or "").strip()
    if reg.username_taken and not username:
        raise RegistrationError({"username": _("用户名已被占用 — 请为其指定另一个用户名")})
    org, caps = _frames(reg)
    if username and username != reg.username:
        try:
            rename_user(reg.username, username, actor)
        except AccountError as exc:
            raise RegistrationError({"username": _(str(exc))}) from None
        rename_registration(reg.id, username)
        reg.username = username
    store_registered_organization(org, caps, actor)
    set_contact(
        reg.org_id, reg.payload.get("contact_name", ""), reg.payload.get("phone", ""), actor
    )
    set_status(reg.username, "active", actor)
    _decide(reg, "approved", actor, None)
    return get_registration(reg_id)


def reject_registration(reg_id: int, actor: str, reason: str) -> Registration:
    """Refuse a registration, recording why; the account stays unusable."""
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError({"reason": _("请填写不予通过的理由")})
    reg = get_registration(reg_id)
    if reg.status != "pending":
        raise RegistrationError({"status": _("该注册已处理")})
    set_status(reg.username, "rejected", actor)
    _decide(reg, "rejected", actor, reason[:MAX_REASON])
    audit_rejection(reg.org_id, actor, reason)
    return get_registration(reg_id)


def _decide(reg: Registration, status: str, actor: str, reason: str | None) -> None:
    decide_registration(reg.id, status, actor, reason)


def possible_duplicates(regs: list[Registration]) -> dict[int, list[Item]]:
    """For each pending registration, the stored organizations (or other registrations) it may
    duplicate, by the same rule as the 疑点清单."""
    if not regs:
        return {}
    columns = ["org_id", "name", "lat", "lon"]
    stored = rows("organizations")[columns]
    pending = pd.DataFrame([r.payload["organization"] for r in regs])[columns]
    orgs = pd.concat([stored, pending], ignore_index=True)
    for col in ("lat", "lon"):
        orgs[col] = pd.to_numeric(orgs[col], errors="coerce")
    contacts = pd.concat(
        [
            contacts_frame(),
            pd.DataFrame([{"org_id": r.org_id, "phone": r.payload.get("phone", "")} for r in regs]),
        ],
        ignore_index=True,
    )
    items = duplicate_organizations(Dataset({"organizations": orgs}), contacts)
    out: dict[int, list[Item]] = {r.id: [] for r in regs}
    by_org = {r.org_id: r.id for r in regs}
    for item in items:
        for org_id in item.params["org_ids"]:
            if org_id in by_org:
                out[by_org[org_id]].append(item)
    return out
