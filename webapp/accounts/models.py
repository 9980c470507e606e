"""The :class:`User` that Flask-Login keeps in the session, read from the site database."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask_login import UserMixin
from sqlalchemy import RowMapping, select

from ..sitedb import get_session
from ..sitedb.models import User as UserRow

__all__ = ["ROLES", "User", "load_user", "find_by_username", "find_by_token_hash", "session_key"]

ROLES = ("officer", "organization", "reviewer", "admin")


@dataclass
class User(UserMixin):
    """A signed-in account; ``org_id`` is set for organization accounts only."""

    id: int
    username: str
    role: str
    org_id: str | None
    display_name: str | None
    status: str
    # Part of the session's user id: derived from the password hash, so a new password ends every
    # session signed in with the old one (Flask-Login's "alternative token" pattern).
    session_key: str = field(default="", repr=False)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == "active"

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @classmethod
    def from_row(cls, row: RowMapping) -> User:
        return cls(
            row["id"],
            row["username"],
            row["role"],
            row["org_id"],
            row["display_name"],
            row["status"],
            session_key(row["password_hash"]),
        )

    @property
    def actor(self) -> str:
        """How the audit trail names this account."""
        return f"{self.role}:{self.username}"


def session_key(password_hash: str) -> str:
    """A short key that changes whenever the password does (never the hash itself)."""
    return hashlib.sha256(f"session:{password_hash}".encode()).hexdigest()[:24]


def load_user(user_id: str) -> User | None:
    """The account of a session, or None when it is unknown or its password changed since."""
    number, _, key = user_id.partition(":")
    if not number.isdigit() or not key:
        return None
    row = _user_where(UserRow.id == int(number))
    if row is None:
        return None
    user = User.from_row(row)
    return user if hmac.compare_digest(user.session_key, key) else None


def _user_where(condition) -> RowMapping | None:
    return get_session().execute(select(UserRow.__table__).where(condition)).mappings().first()


def find_by_username(username: str) -> RowMapping | None:
    """The account's row (columns by name), or None."""
    return _user_where(UserRow.username == username)


def find_by_token_hash(token_hash: str) -> User | None:
    row = _user_where(UserRow.api_token_hash == token_hash)
    return User.from_row(row) if row else None
