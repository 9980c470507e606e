"""Approval intents: an approval's writes recoverable as one (see docs/site-data.md).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

__all__: list[str] = []


def upgrade() -> None:
    op.create_table(
        "approval_intents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("village_id", sa.Text(), nullable=False),
        sa.Column("members_json", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("state", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_approval_intents"),
        sa.CheckConstraint(
            "state IN ('pending', 'done', 'undone')", name="ck_approval_intents_state"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("approval_intents_state", "approval_intents", ["state"])


def downgrade() -> None:
    op.drop_index("approval_intents_state", table_name="approval_intents")
    op.drop_table("approval_intents")
