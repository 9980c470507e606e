"""The :class:`User` that Flask-Login keeps in the session, read from the site database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask_login import UserMixin

from ..db import get_db

__all__ = ["ROLES", "User", "load_user", "find_by_username", "find_by_token_hash"]

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

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == "active"

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> User:
        return cls(
            row["id"],
            row["username"],
            row["role"],
            row["org_id"],
            row["display_name"],
            row["status"],
        )

    @property
    def actor(self) -> str:
        """How the audit trail names this account."""
        return f"{self.role}:{self.username}"


def load_user(user_id: str) -> User | None:
    row = get_db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return User.from_row(row) if row else None


def find_by_username(username: str) -> sqlite3.Row | None:
    return get_db().execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()


def find_by_token_hash(token_hash: str) -> User | None:
    row = get_db().execute("SELECT * FROM users WHERE api_token_hash = ?", (token_hash,)).fetchone()
    return User.from_row(row) if row else None
