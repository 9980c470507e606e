"""Every table of the site's own database, declared once (SQLAlchemy 2 declarative).

The world (villages, organizations, partnerships, the audit trail) lives in the graph store; these
tables hold what only the site needs. Timestamps are ISO 8601 text everywhere (``now_iso()``), as
they were in the SQLite file before: the same text sorts and compares the same on SQLite and
PostgreSQL. The Alembic migrations under ``migrations/versions`` build exactly this schema (a test
runs ``alembic check``); change a model only together with a new revision.

Examples
--------
>>> sorted(Base.metadata.tables)[:2]
['api_tokens', 'approval_intents']
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, MetaData, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "User",
    "MatcherRun",
    "RecommendationDecision",
    "IntegrityMark",
    "OrgContact",
    "OrgRegistration",
    "ReviewRubric",
    "ApprovalIntent",
    "ApiToken",
]

#: constraint names the same on every database (Alembic needs names to drop or alter them)
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The site database's declarative base: one ``MetaData`` for every table."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A site account (officer, organization, reviewer or admin)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('officer', 'organization', 'reviewer', 'admin')", name="role"),
        CheckConstraint("status IN ('pending', 'active', 'disabled', 'rejected')", name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    org_id: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="active")
    created_at: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[str | None] = mapped_column(Text)
    api_token_hash: Mapped[str | None] = mapped_column(Text, unique=True)  # unused since 0003
    # the county an officer works in (None: the whole city); see webapp/scope.py
    county: Mapped[str | None] = mapped_column(Text)
    # raised when every session must end (sign-out, new password, disabled): docs/security.md
    session_generation: Mapped[int] = mapped_column(Integer, server_default="0")


class MatcherRun(Base):
    """One matcher run: its progress while it goes, then its result as JSON text."""

    __tablename__ = "matcher_runs"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_by: Mapped[str] = mapped_column(Text)
    started_at: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(Text)
    done: Mapped[int | None] = mapped_column(Integer, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer, server_default="0")
    max_group: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)
    # who runs it (see webapp/services/run_owner.py)
    owner: Mapped[str | None] = mapped_column(Text)


class RecommendationDecision(Base):
    """An officer's decision on a village's recommendation in a run (the last one stands)."""

    __tablename__ = "recommendation_decisions"

    run_id: Mapped[int] = mapped_column(ForeignKey("matcher_runs.id"), primary_key=True)
    village_id: Mapped[str] = mapped_column(Text, primary_key=True)
    decision: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class IntegrityMark(Base):
    """Who checked an item of the 疑点清单, when, and what they found."""

    __tablename__ = "integrity_marks"

    item_key: Mapped[str] = mapped_column(Text, primary_key=True)
    checked_by: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class OrgContact(Base):
    """How to reach an organization (not part of the data contract, so not in the store)."""

    __tablename__ = "org_contacts"

    org_id: Mapped[str] = mapped_column(Text, primary_key=True)
    contact_name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(Text)


class OrgRegistration(Base):
    """An organization's self-registration awaiting 审核 (``payload`` is its form as JSON)."""

    __tablename__ = "org_registrations"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        Index("org_registrations_status", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(Text, unique=True)
    username: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    submitted_at: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class ReviewRubric(Base):
    """The five rubric parts behind a review's score (the score itself is in the store)."""

    __tablename__ = "review_rubrics"

    project_id: Mapped[str] = mapped_column(Text, primary_key=True)
    reviewed_on: Mapped[str] = mapped_column(Text, primary_key=True)
    reviewer: Mapped[str] = mapped_column(Text, primary_key=True)
    need_fit: Mapped[float] = mapped_column(Float)
    execution: Mapped[float] = mapped_column(Float)
    effect: Mapped[float] = mapped_column(Float)
    sustainability: Mapped[float] = mapped_column(Float)
    funds: Mapped[float] = mapped_column(Float)
    saved_at: Mapped[str] = mapped_column(Text)


class ApprovalIntent(Base):
    """An approval in progress: written before the store, marked done after the decision.

    See :mod:`webapp.sitedb.approvals` and docs/site-data.md for the order and the repair.
    """

    __tablename__ = "approval_intents"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'undone')", name="state"),
        Index("approval_intents_state", "state"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    village_id: Mapped[str] = mapped_column(Text)
    members_json: Mapped[str] = mapped_column(Text)  # [[org_id, role], ...] in order
    actor: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="pending")
    created_at: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)  # what the repair found, for the admin


class ApiToken(Base):
    """An API token of an account: only its hash is kept; it may expire and be revoked."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    label: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[str | None] = mapped_column(Text)  # ISO 8601 UTC; None: never
    revoked_at: Mapped[str | None] = mapped_column(Text)


# The feature modules declare their tables on the same Base; imported here (after Base exists) so
# that Alembic and every session see one metadata.
from . import (  # noqa: E402
    models_arrivals,  # noqa: F401  (arrivals: 报到 of a group at its village)
    models_imports,  # noqa: F401  (import_uploads: the admin import preview)
    models_roadshow,  # noqa: F401  (公益路演评选: docs/roadshow.md)
)
