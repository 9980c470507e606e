"""Writes on accounts. Each one is recorded in the store's audit trail."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import insert, update
from werkzeug.security import check_password_hash, generate_password_hash

from graph_schema.store.base import now_iso

from ..errors import AccountError, PasswordRuleError
from ..extensions import get_store
from ..sitedb import get_session
from ..sitedb.models import User as UserRow
from .models import ROLES, User, find_by_username

__all__ = [
    "check_password_rules",
    "create_user",
    "authenticate",
    "set_password",
    "set_status",
    "issue_api_token",
    "hash_token",
    "MIN_PASSWORD_LENGTH",
]

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


def check_password_rules(password: str, username: str = "") -> None:
    """Raise :class:`PasswordRuleError` unless the password is long and mixed enough.

    At least ten characters with a letter and a digit, and not containing the username.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise PasswordRuleError("密码须同时包含字母和数字")
    if username and username.lower() in password.lower():
        raise PasswordRuleError("密码不能包含用户名")


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    org_id: str | None = None,
    display_name: str | None = None,
    status: str = "active",
    actor: str = "system",
) -> int:
    """Create an account; returns its id."""
    if not _USERNAME.match(username or ""):
        raise AccountError("用户名须为 3–64 个字母、数字或 _ . @ -")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    if role == "organization" and not org_id:
        raise AccountError("组织账号必须关联一个社会组织")
    check_password_rules(password, username)
    db = get_session()
    if find_by_username(username) is not None:
        raise AccountError(f"用户名 {username} 已被使用")
    new_id = db.execute(
        insert(UserRow)
        .values(
            username=username,
            password_hash=generate_password_hash(password),
            role=role,
            org_id=org_id,
            display_name=display_name,
            status=status,
            created_at=now_iso(),
        )
        .returning(UserRow.id)
    ).scalar_one()
    db.commit()
    get_store().append_audit(
        actor,
        "create_account",
        f"user:{username}",
        None,
        {"role": role, "org_id": org_id, "status": status},
    )
    return int(new_id)


def authenticate(username: str, password: str) -> User | None:
    """The account when the password is right, else None (also for unknown names)."""
    row = find_by_username(username)
    if row is None:
        # Spend the same time as a real check so a name cannot be probed by timing.
        check_password_hash(generate_password_hash("x"), password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return User.from_row(row)


def set_password(user: User, new_password: str, actor: str) -> None:
    check_password_rules(new_password, user.username)
    _update_user(user.id, password_hash=generate_password_hash(new_password))
    get_store().append_audit(actor, "change_password", f"user:{user.username}")


def set_status(username: str, status: str, actor: str) -> None:
    """Approve (``active``), reject, or disable an account."""
    row = find_by_username(username)
    if row is None:
        raise AccountError(f"没有用户 {username}")
    _update_user(row["id"], status=status, approved_by=actor, approved_at=now_iso())
    get_store().append_audit(
        actor,
        "set_account_status",
        f"user:{username}",
        {"status": row["status"]},
        {"status": status},
    )


def _update_user(user_id: int, **values) -> None:
    db = get_session()
    db.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
    db.commit()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, actor: str) -> str:
    """Make a new API token for ``user`` (the old one stops working); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    _update_user(user.id, api_token_hash=hash_token(token))
    get_store().append_audit(actor, "issue_api_token", f"user:{user.username}")
    return token
