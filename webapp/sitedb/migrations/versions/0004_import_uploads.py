"""Imports: uploads kept for their preview and confirmation, and the import each one becomes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

__all__: list[str] = []


def upgrade() -> None:
    op.create_table(
        "import_uploads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("bytes", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.Column("store_versions", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("confirmed_by", sa.Text()),
        sa.Column("confirmed_at", sa.Text()),
        sa.Column("finished_at", sa.Text()),
        sa.Column("job_id", sa.Text()),
        sa.Column("progress", sa.Text()),
        sa.Column("report_json", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_import_uploads"),
    )
    op.create_index("ix_import_uploads_token", "import_uploads", ["token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_import_uploads_token", table_name="import_uploads")
    op.drop_table("import_uploads")
