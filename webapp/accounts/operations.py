"""Writes on accounts. Each one is recorded in the store's audit trail."""

from __future__ import annotations

import re
import secrets
from typing import cast

from sqlalchemy import CursorResult, insert, update
from werkzeug.security import check_password_hash, generate_password_hash

from graph_schema.store.base import now_iso

from ..errors import AccountError, PasswordRuleError
from ..extensions import get_store
from ..sitedb import get_session
from ..sitedb.models import ApiToken
from ..sitedb.models import User as UserRow
from .models import ROLES, User, find_by_username
from .tokens import MAX_LABEL, hash_token, token_expiry

__all__ = [
    "check_password_rules",
    "create_user",
    "authenticate",
    "set_password",
    "set_status",
    "set_county",
    "rename_user",
    "change_own_password",
    "end_sessions",
    "issue_api_token",
    "issue_token",
    "revoke_token",
    "revoke_all_tokens",
    "revoke_tokens_of_account",
    "hash_token",
    "MIN_PASSWORD_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "MAX_USERNAME_LENGTH",
]

MIN_PASSWORD_LENGTH = 10
#: longer input is refused before any hash is computed or anything is audited
MAX_PASSWORD_LENGTH = 256
MAX_USERNAME_LENGTH = 64
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
# A fixed hash checked for unknown usernames: the same work as a real check, and no second
# hash computation (which made an unknown name take twice as long: issue 13).
_DUMMY_HASH = generate_password_hash("baotuan-dummy-password-0")


def check_password_rules(password: str, username: str = "") -> None:
    """Raise :class:`PasswordRuleError` unless the password is long and mixed enough.

    At least ten characters with a letter and a digit, and not containing the username.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符")
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
    county: str | None = None,
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
            county=county if role == "officer" else None,
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
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        return None  # no account has such a name or password: no hash, no query
    row = find_by_username(username)
    if row is None:
        # Spend the same time as a real check so a name cannot be probed by timing.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return User.from_row(row)


def end_sessions(user_id: int, *, revoke_tokens: bool) -> None:
    """End every session of the account on every worker (the session generation goes up), and
    with ``revoke_tokens`` revoke its API tokens too."""
    _update_user(user_id, session_generation=UserRow.session_generation + 1)
    if revoke_tokens:
        revoke_all_tokens(user_id)


def set_password(user: User, new_password: str, actor: str) -> None:
    """Set a new password (an administrator's reset, or the owner's change): every session of
    the account ends and its API tokens are revoked."""
    check_password_rules(new_password, user.username)
    _update_user(user.id, password_hash=generate_password_hash(new_password))
    end_sessions(user.id, revoke_tokens=True)
    get_store().append_audit(actor, "change_password", f"user:{user.username}")


def change_own_password(user: User, current: str, new_password: str, repeated: str) -> None:
    """The owner's own change: the current password must be right; same rules as everywhere."""
    row = find_by_username(user.username)
    if row is None or len(current) > MAX_PASSWORD_LENGTH:
        raise AccountError("当前密码不正确")
    if not check_password_hash(row["password_hash"], current):
        raise AccountError("当前密码不正确")
    if new_password != repeated:
        raise AccountError("两次输入的新密码不一致")
    if new_password == current:
        raise AccountError("新密码不能与当前密码相同")
    set_password(user, new_password, actor=user.actor)


def set_county(username: str, county: str | None, actor: str) -> None:
    """Set the county an officer works in (None: the whole city)."""
    row = find_by_username(username)
    if row is None:
        raise AccountError(f"没有用户 {username}")
    if row["role"] != "officer" and county:
        raise AccountError("只有民政干部账号可以限定区县")
    if (row["county"] or None) == (county or None):
        return
    _update_user(row["id"], county=county or None)
    get_store().append_audit(
        actor, "set_account_county", f"user:{username}", row["county"], county or None
    )


def rename_user(username: str, new_username: str, actor: str) -> None:
    """Give an account another username (a registration whose chosen name was taken)."""
    row = find_by_username(username)
    if row is None:
        raise AccountError(f"没有用户 {username}")
    if not _USERNAME.match(new_username or ""):
        raise AccountError("用户名须为 3–64 个字母、数字或 _ . @ -")
    if find_by_username(new_username) is not None:
        raise AccountError(f"用户名 {new_username} 已被使用")
    _update_user(row["id"], username=new_username)
    end_sessions(row["id"], revoke_tokens=True)  # nothing signed in under the old name survives
    get_store().append_audit(actor, "rename_account", f"user:{username}", username, new_username)


def set_status(username: str, status: str, actor: str) -> None:
    """Approve (``active``), reject, or disable an account."""
    row = find_by_username(username)
    if row is None:
        raise AccountError(f"没有用户 {username}")
    _update_user(row["id"], status=status, approved_by=actor, approved_at=now_iso())
    if status != "active":
        end_sessions(row["id"], revoke_tokens=True)
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


def issue_api_token(user: User, actor: str, *, label: str = "", days: int | None = None) -> str:
    """Make a new API token for ``user`` (its token rows: :mod:`webapp.accounts.tokens`)."""
    return issue_token(user.id, user.username, actor, label=label, days=days)


def issue_token(
    user_id: int, username: str, actor: str, *, label: str = "", days: int | None = None
) -> str:
    """Make a new token for the account (its other tokens keep working); returns it once."""
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise AccountError(f"令牌名称最多 {MAX_LABEL} 个字符")
    expires_at = token_expiry(days)
    token = secrets.token_urlsafe(32)
    db = get_session()
    db.add(
        ApiToken(
            user_id=user_id,
            token_hash=hash_token(token),
            label=label,
            created_at=now_iso(),
            expires_at=expires_at,
        )
    )
    db.commit()
    get_store().append_audit(
        actor, "issue_api_token", f"user:{username}", None, {"label": label, "expires": expires_at}
    )
    return token


def revoke_token(user_id: int, username: str, token_id: int, actor: str) -> bool:
    """Revoke one token of the account; False when it has no such live token."""
    db = get_session()
    done = cast(
        CursorResult,
        db.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
            )
            .values(revoked_at=now_iso())
        ),
    ).rowcount
    db.commit()
    if done:
        get_store().append_audit(actor, "revoke_api_token", f"user:{username}", None, token_id)
    return bool(done)


def revoke_all_tokens(user_id: int) -> int:
    """Revoke every live token of the account (the caller audits why); returns how many."""
    db = get_session()
    statement = (
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now_iso())
    )
    count = cast(CursorResult, db.execute(statement)).rowcount
    db.commit()
    return int(count or 0)


def revoke_tokens_of_account(user_id: int, username: str, actor: str) -> int:
    """An administrator revokes every live token of the account (audited); returns how many."""
    count = revoke_all_tokens(user_id)
    get_store().append_audit(actor, "revoke_api_token", f"user:{username}", None, "all")
    return count
