"""API tokens: several per account, each with an optional expiry; listed and revoked by their
owner and by administrators. Only a token's SHA-256 is kept.

Examples
--------
>>> len(hash_token("abc"))
64
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update

from graph_schema.store.base import now_iso

from ..errors import AccountError
from ..extensions import get_store
from ..sitedb import get_session
from ..sitedb.models import ApiToken

__all__ = [
    "TokenInfo",
    "hash_token",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "revoke_all_tokens",
    "token_owner_id",
    "MAX_LABEL",
    "MAX_DAYS",
]

MAX_LABEL = 80
MAX_DAYS = 3650


@dataclass(frozen=True)
class TokenInfo:
    """What an owner sees of a token (never the token itself)."""

    id: int
    label: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    @property
    def state(self) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now_iso():
            return "expired"
        return "active"


def hash_token(token: str) -> str:
    """The SHA-256 kept for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry(days: int | None) -> str | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_DAYS:
        raise AccountError(f"有效天数须为 1–{MAX_DAYS}")
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def issue_token(
    user_id: int, username: str, actor: str, *, label: str = "", days: int | None = None
) -> str:
    """Make a new token for the account (its other tokens keep working); returns it once."""
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise AccountError(f"令牌名称最多 {MAX_LABEL} 个字符")
    expires_at = _expiry(days)
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


def token_owner_id(token: str) -> int | None:
    """The account id of a token that is neither revoked nor expired, else None."""
    row = (
        get_session()
        .execute(
            select(ApiToken.user_id, ApiToken.expires_at, ApiToken.revoked_at).where(
                ApiToken.token_hash == hash_token(token)
            )
        )
        .first()
    )
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now_iso():
        return None
    return int(row.user_id)


def list_tokens(user_id: int) -> list[TokenInfo]:
    """Every token of the account, newest first."""
    rows = get_session().execute(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    return [
        TokenInfo(t.id, t.label, t.created_at, t.expires_at, t.revoked_at) for t in rows.scalars()
    ]


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
