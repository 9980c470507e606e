"""The :class:`User` that Flask-Login keeps in the session, read from the site database."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask_login import UserMixin
from sqlalchemy import RowMapping, select

from ..sitedb import get_session
from ..sitedb.models import User as UserRow

__all__ = ["ROLES", "User", "load_user", "find_by_username", "find_by_token", "session_key"]

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
    # Part of the session's user id: derived from the password hash and the session generation,
    # so a new password, a sign-out or disabling the account ends every session signed in
    # before, on every worker (Flask-Login's "alternative token" pattern; docs/security.md).
    session_key: str = field(default="", repr=False)
    #: the county an officer works in; None for the whole city (webapp/scope.py)
    county: str | None = None

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
            session_key(row["password_hash"], row["session_generation"]),
            row["county"] or None,
        )

    @property
    def actor(self) -> str:
        """How the audit trail names this account."""
        return f"{self.role}:{self.username}"


def session_key(password_hash: str, generation: int = 0) -> str:
    """A short key that changes whenever the password or the session generation does.

    Examples
    --------
    >>> session_key("h", 0) != session_key("h", 1)
    True
    """
    return hashlib.sha256(f"session:{generation}:{password_hash}".encode()).hexdigest()[:24]


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


def find_by_token(token: str) -> User | None:
    """The account of an API token that is neither expired nor revoked, else None."""
    from .tokens import token_owner_id

    owner = token_owner_id(token)
    row = _user_where(UserRow.id == owner) if owner is not None else None
    return User.from_row(row) if row else None
