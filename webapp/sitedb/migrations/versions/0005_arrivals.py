"""报到: the arrivals table (one row per lead organization's letter).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

__all__: list[str] = []


def upgrade() -> None:
    op.create_table(
        "arrivals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("village_id", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Text(), nullable=False),
        sa.Column("letter_reference", sa.Text(), nullable=False),
        sa.Column("arrived_on", sa.Text(), nullable=False),
        sa.Column("received_by_name", sa.Text(), nullable=False),
        sa.Column("received_by_role", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.Text()),
        sa.Column("confirmed_at", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_arrivals"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_arrivals_letter_reference", "arrivals", ["letter_reference"], unique=True)
    op.create_index("ix_arrivals_village_id", "arrivals", ["village_id"])


def downgrade() -> None:
    op.drop_index("ix_arrivals_village_id", table_name="arrivals")
    op.drop_index("ix_arrivals_letter_reference", table_name="arrivals")
    op.drop_table("arrivals")
