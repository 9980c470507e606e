"""API tokens: several per account, each with an optional expiry; listed and revoked by their
owner and by administrators. Only a token's SHA-256 is kept. This module reads; the writes
(issue, revoke) are in :mod:`webapp.accounts.operations`.

Examples
--------
>>> len(hash_token("abc"))
64
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from graph_schema.store.base import now_iso

from ..errors import AccountError
from ..sitedb import get_session
from ..sitedb.models import ApiToken

__all__ = [
    "TokenInfo",
    "hash_token",
    "token_expiry",
    "list_tokens",
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


def token_expiry(days: int | None) -> str | None:
    """When a token made now for ``days`` days expires (UTC, ISO 8601); None: never.

    Examples
    --------
    >>> token_expiry(None) is None
    True
    >>> token_expiry(30) > now_iso()
    True
    """
    if days is None:
        return None
    if not 1 <= days <= MAX_DAYS:
        raise AccountError(f"有效天数须为 1–{MAX_DAYS}")
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


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
