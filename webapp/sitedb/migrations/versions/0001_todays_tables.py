"""The site's tables as they were before Alembic (webapp/db.py, organization/schema.py,
review/rubric.py), adopted where they already exist.

A site database from before Alembic has some or all of these tables and no ``alembic_version``:
this revision creates only the missing ones and adds ``matcher_runs.owner`` to files older than
that column, so upgrading such a file keeps every row.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

__all__: list[str] = []

_TEXT = sa.Text()


def _tables() -> dict[str, tuple]:
    return {
        "users": (
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("username", _TEXT, nullable=False),
            sa.Column("password_hash", _TEXT, nullable=False),
            sa.Column("role", _TEXT, nullable=False),
            sa.Column("org_id", _TEXT),
            sa.Column("display_name", _TEXT),
            sa.Column("status", _TEXT, nullable=False, server_default="active"),
            sa.Column("created_at", _TEXT, nullable=False),
            sa.Column("approved_by", _TEXT),
            sa.Column("approved_at", _TEXT),
            sa.Column("api_token_hash", _TEXT),
            sa.PrimaryKeyConstraint("id", name="pk_users"),
            sa.UniqueConstraint("username", name="uq_users_username"),
            sa.UniqueConstraint("api_token_hash", name="uq_users_api_token_hash"),
            sa.CheckConstraint(
                "role IN ('officer', 'organization', 'reviewer', 'admin')", name="ck_users_role"
            ),
            sa.CheckConstraint(
                "status IN ('pending', 'active', 'disabled', 'rejected')", name="ck_users_status"
            ),
        ),
        "matcher_runs": (
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("started_by", _TEXT, nullable=False),
            sa.Column("started_at", _TEXT, nullable=False),
            sa.Column("finished_at", _TEXT),
            sa.Column("status", _TEXT, nullable=False),
            sa.Column("stage", _TEXT),
            sa.Column("done", sa.Integer(), server_default="0"),
            sa.Column("total", sa.Integer(), server_default="0"),
            sa.Column("max_group", sa.Integer()),
            sa.Column("error", _TEXT),
            sa.Column("result_json", _TEXT),
            sa.Column("owner", _TEXT),
            sa.PrimaryKeyConstraint("id", name="pk_matcher_runs"),
        ),
        "recommendation_decisions": (
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("village_id", _TEXT, nullable=False),
            sa.Column("decision", _TEXT, nullable=False),
            sa.Column("decided_by", _TEXT, nullable=False),
            sa.Column("decided_at", _TEXT, nullable=False),
            sa.Column("note", _TEXT),
            sa.ForeignKeyConstraint(
                ["run_id"],
                ["matcher_runs.id"],
                name="fk_recommendation_decisions_run_id_matcher_runs",
            ),
            sa.PrimaryKeyConstraint("run_id", "village_id", name="pk_recommendation_decisions"),
        ),
        "integrity_marks": (
            sa.Column("item_key", _TEXT, nullable=False),
            sa.Column("checked_by", _TEXT, nullable=False),
            sa.Column("checked_at", _TEXT, nullable=False),
            sa.Column("note", _TEXT),
            sa.PrimaryKeyConstraint("item_key", name="pk_integrity_marks"),
        ),
        "org_contacts": (
            sa.Column("org_id", _TEXT, nullable=False),
            sa.Column("contact_name", _TEXT),
            sa.Column("phone", _TEXT),
            sa.Column("updated_by", _TEXT, nullable=False),
            sa.Column("updated_at", _TEXT, nullable=False),
            sa.PrimaryKeyConstraint("org_id", name="pk_org_contacts"),
        ),
        "org_registrations": (
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("org_id", _TEXT, nullable=False),
            sa.Column("username", _TEXT, nullable=False),
            sa.Column("name", _TEXT, nullable=False),
            sa.Column("payload", _TEXT, nullable=False),
            sa.Column("status", _TEXT, nullable=False, server_default="pending"),
            sa.Column("submitted_at", _TEXT, nullable=False),
            sa.Column("decided_by", _TEXT),
            sa.Column("decided_at", _TEXT),
            sa.Column("reason", _TEXT),
            sa.PrimaryKeyConstraint("id", name="pk_org_registrations"),
            sa.UniqueConstraint("org_id", name="uq_org_registrations_org_id"),
            sa.CheckConstraint(
                "status IN ('pending', 'approved', 'rejected')", name="ck_org_registrations_status"
            ),
        ),
        "review_rubrics": (
            sa.Column("project_id", _TEXT, nullable=False),
            sa.Column("reviewed_on", _TEXT, nullable=False),
            sa.Column("reviewer", _TEXT, nullable=False),
            sa.Column("need_fit", sa.Float(), nullable=False),
            sa.Column("execution", sa.Float(), nullable=False),
            sa.Column("effect", sa.Float(), nullable=False),
            sa.Column("sustainability", sa.Float(), nullable=False),
            sa.Column("funds", sa.Float(), nullable=False),
            sa.Column("saved_at", _TEXT, nullable=False),
            sa.PrimaryKeyConstraint(
                "project_id", "reviewed_on", "reviewer", name="pk_review_rubrics"
            ),
        ),
    }


_AUTOINCREMENT = {"users", "matcher_runs", "org_registrations"}  # ids never reused on SQLite


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, parts in _tables().items():
        extra = {"sqlite_autoincrement": True} if name in _AUTOINCREMENT else {}
        if name not in existing:
            op.create_table(name, *parts, **extra)
        else:
            _adopt(name, parts, extra)
    indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("org_registrations")}
    if "org_registrations_status" not in indexes:
        op.create_index("org_registrations_status", "org_registrations", ["status"])


def _adopt(name: str, parts: tuple, extra: dict) -> None:
    """Rebuild a table of a file from before in the definition above, keeping its rows.

    Those tables were made by hand-written SQL: unnamed UNIQUE constraints, REAL columns, and (in
    the oldest files) no ``matcher_runs.owner``. Rebuilding (SQLite's copy-and-rename, via
    Alembic's batch mode) leaves a file that no longer differs from one made by this revision.
    """
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(name)}
    if name == "matcher_runs" and "owner" not in columns:
        op.add_column("matcher_runs", sa.Column("owner", _TEXT))
    if op.get_bind().dialect.name != "sqlite":  # files from before are SQLite only
        return
    definition = sa.Table(name, sa.MetaData(), *parts, **extra)
    with op.batch_alter_table(name, copy_from=definition, recreate="always"):
        pass


def downgrade() -> None:
    for name in reversed(list(_tables())):
        op.drop_table(name)
