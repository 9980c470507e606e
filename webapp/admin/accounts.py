"""Accounts: list, create with a role (and an organization), approve, disable, enable, reset.

Every change goes through :mod:`webapp.accounts.operations`, which records it in the audit trail
with the administrator as the actor.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import RowMapping, func, or_, select

from ..accounts.models import ROLES, User, find_by_username
from ..accounts.operations import (
    create_user,
    revoke_tokens_of_account,
    set_county,
    set_password,
    set_status,
)
from ..accounts.self_service import no_store
from ..accounts.tokens import list_tokens
from ..errors import AccountError
from ..extensions import get_store
from ..sitedb import get_session
from ..sitedb.models import User as UserRow
from .blueprint import bp
from .labels import ROLE_LABELS, STATUS_LABELS

__all__ = ["AccountPage", "list_accounts", "temporary_password"]

#: the statuses an administrator may set, and what each one is called as an action
STATUS_ACTIONS = {"active": "启用", "disabled": "停用", "rejected": "驳回"}
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
_DIGITS = "23456789"


@dataclass
class AccountPage:
    """One page of the account list."""

    items: list[RowMapping]
    number: int
    pages: int
    total: int


def list_accounts(
    status: str = "", role: str = "", q: str = "", page: int = 1, size: int = 50
) -> AccountPage:
    """Accounts matching the filters, pending ones first, then by name."""
    where = []
    if status:
        where.append(UserRow.status == status)
    if role:
        where.append(UserRow.role == role)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                UserRow.username.like(like, escape="\\"),
                UserRow.display_name.like(like, escape="\\"),
                UserRow.org_id == q,
            )
        )
    db = get_session()
    total = db.scalar(select(func.count()).select_from(UserRow).where(*where)) or 0
    pages = max(math.ceil(total / size), 1)
    page = min(max(page, 1), pages)
    query = (
        select(UserRow.__table__)
        .where(*where)
        .order_by(UserRow.status != "pending", UserRow.username)
        .limit(size)
        .offset((page - 1) * size)
    )
    return AccountPage(list(db.execute(query).mappings()), page, pages, total)


def temporary_password(length: int = 12) -> str:
    """A random password that follows the password rules (letters and digits, no look-alikes).

    Examples
    --------
    >>> from webapp.accounts.operations import check_password_rules
    >>> check_password_rules(temporary_password(), "someone")
    """
    chars = [secrets.choice(_ALPHABET) for _ in range(length - 3)]
    chars += [secrets.choice(_DIGITS) for _ in range(3)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _render(status_code: int = 200, **extra):
    args = {k: request.args.get(k, "").strip() for k in ("status", "role", "q")}
    accounts = list_accounts(
        args["status"],
        args["role"],
        args["q"],
        request.args.get("page", 1, type=int) or 1,
        current_app.config.get("PAGE_SIZE", 50),
    )
    pending = _count_users(UserRow.status == "pending")
    registering = {a["username"] for a in accounts.items if _awaits_registration(a)}
    context = {
        "accounts": accounts,
        "args": {k: v for k, v in args.items() if v},
        "pending": pending,
        "registering": registering,
        "roles": ROLES,
        "form": {},
        "ROLE_LABELS": ROLE_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "STATUS_ACTIONS": STATUS_ACTIONS,
    }
    context["counties"] = _counties()
    context["token_counts"] = {
        a["username"]: sum(t.state == "active" for t in list_tokens(a["id"]))
        for a in accounts.items
    }
    context.update(extra)
    response = make_response(render_template("admin/accounts.html", **context), status_code)
    # the page may show a generated password: no browser or proxy keeps a copy
    return no_store(response) if "issued" in extra else response


def _counties() -> list[str]:
    """The city's counties (those of its villages), for the officer's scope."""
    villages = get_store().query("villages")
    return sorted(set(villages["county"].dropna())) if "county" in villages else []


@bp.get("/")
def home():
    return _render()


#: roles whose account may name an organization: its own, or a reviewer's (回避 at a roadshow)
ORG_ROLES = ("organization", "reviewer")


@bp.post("/accounts")
def create_account():
    form = {
        k: request.form.get(k, "").strip()
        for k in ("username", "display_name", "role", "org_id", "county")
    }
    password = request.form.get("password", "")
    generated = not password
    password = password or temporary_password()
    try:
        if form["role"] in ORG_ROLES and form["org_id"]:
            known = get_store().known_ids().get(("organizations", "org_id"), set())
            if form["org_id"] not in known:
                raise AccountError(_("没有编号为 %(org_id)s 的社会组织", org_id=form["org_id"]))
        if form["county"] and (form["role"] != "officer" or form["county"] not in _counties()):
            raise AccountError(_("区县只能为民政干部账号设置，且须是本市的区县"))
        if len(form["display_name"]) > 100:
            raise AccountError(_("名称最多 100 个字符"))
        create_user(
            form["username"],
            password,
            form["role"],
            org_id=form["org_id"] if form["role"] in ORG_ROLES else None,
            display_name=form["display_name"] or None,
            county=form["county"] or None,
            actor=current_user.actor,
        )
    except AccountError as exc:
        flash(str(exc), "error")
        return _render(400, form=form)
    flash(_("已创建账号 %(username)s", username=form["username"]), "success")
    if generated:
        return _render(201, issued={"username": form["username"], "password": password})
    return redirect(url_for("admin.home"))


def _awaits_registration(account) -> bool:
    """A pending organization account whose organization is not in the store yet (registered
    through the site, waiting for the review of its registration)."""
    role, status, org_id = (
        (account["role"], account["status"], account["org_id"])
        if isinstance(account, RowMapping)
        else (account.role, account.status, account.org_id)
    )
    if role != "organization" or status != "pending":
        return False
    return org_id not in get_store().known_ids().get(("organizations", "org_id"), set())


def _account_or_404(username: str) -> User:
    row = find_by_username(username)
    if row is None:
        abort(404)
    return User.from_row(row)


def _active_admins() -> int:
    return _count_users(UserRow.role == "admin", UserRow.status == "active")


def _count_users(*where) -> int:
    return int(get_session().scalar(select(func.count()).select_from(UserRow).where(*where)) or 0)


@bp.post("/accounts/<username>/status")
def set_account_status(username: str):
    user = _account_or_404(username)
    status = request.form.get("status", "")
    if status not in STATUS_ACTIONS:
        flash(_("不支持的账号状态"), "error")
        return _render(400)
    if _awaits_registration(user):
        # Its organization is only created when the registration is approved: decide there.
        flash(_("该社会组织的注册尚未审核，请在“注册审核”页面审核"), "error")
        return _render(409)
    if status == "active" and _organization_missing(user):
        # Enabling it would make an account whose organization does not exist (issue 13).
        flash(
            _(
                "不能启用：账号关联的社会组织 %(org_id)s 不存在（注册已驳回）。"
                "请先导入该组织或重新审核其注册",
                org_id=user.org_id,
            ),
            "error",
        )
        return _render(409)
    if status != "active" and user.id == current_user.id:
        # An administrator who locks themselves out needs someone with database access to undo it.
        flash(_("不能停用自己的账号"), "error")
        return _render(409)
    if status != "active" and user.role == "admin" and user.status == "active":
        if _active_admins() <= 1:
            flash(_("至少要保留一个可用的管理员账号"), "error")
            return _render(409)
    if status == user.status:
        return redirect(url_for("admin.home", **_back_args()))
    set_status(username, status, actor=current_user.actor)
    flash(
        _("账号 %(username)s：%(status)s", username=username, status=_(STATUS_LABELS[status])),
        "success",
    )
    return redirect(url_for("admin.home", **_back_args()))


@bp.post("/accounts/<username>/password")
def reset_password(username: str):
    user = _account_or_404(username)
    password = request.form.get("password", "") or temporary_password()
    try:
        set_password(user, password, actor=current_user.actor)
    except AccountError as exc:
        flash(str(exc), "error")
        return _render(400)
    flash(_("已重置 %(username)s 的密码", username=username), "success")
    # The new password is shown once, in this response only: never in a flash (the cookie).
    return _render(200, issued={"username": username, "password": password})


def _back_args() -> dict[str, Any]:
    return {k: v for k in ("status", "role", "q", "page") if (v := request.form.get("back_" + k))}


def _organization_missing(user: User) -> bool:
    """An organization account whose organization is not in the store."""
    if user.role != "organization":
        return False
    return user.org_id not in get_store().known_ids().get(("organizations", "org_id"), set())


@bp.post("/accounts/<username>/county")
def set_account_county(username: str):
    user = _account_or_404(username)
    county = request.form.get("county", "").strip()
    try:
        if county and county not in _counties():
            raise AccountError(_("没有这个区县：%(c)s", c=county[:40]))
        set_county(user.username, county or None, actor=current_user.actor)
    except AccountError as exc:
        flash(str(exc), "error")
        return _render(400)
    flash(
        _("账号 %(username)s 的工作范围：%(c)s", username=username, c=county or _("全市")),
        "success",
    )
    return redirect(url_for("admin.home", **_back_args()))


@bp.post("/accounts/<username>/tokens/revoke")
def revoke_account_tokens(username: str):
    user = _account_or_404(username)
    count = revoke_tokens_of_account(user.id, username, current_user.actor)
    flash(_("已撤销 %(username)s 的 %(n)s 个令牌", username=username, n=count), "success")
    return redirect(url_for("admin.home", **_back_args()))
