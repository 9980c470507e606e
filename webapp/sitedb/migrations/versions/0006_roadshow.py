"""公益路演评选: roadshow events, entries, reviewers, 回避, bars, scores and results.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

__all__: list[str] = []


def _event_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["event_id"], ["roadshow_events.id"], name=f"fk_{table}_event_id_roadshow_events"
    )


def _text(name: str, nullable: bool = False, default: str | None = None) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable, server_default=default)


def upgrade() -> None:
    op.create_table(
        "roadshow_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _text("name"),
        _text("held_on"),
        _text("place", default=""),
        _text("county", nullable=True),
        _text("tiers_json"),
        sa.Column("trim", sa.Integer(), nullable=False, server_default="1"),
        _text("status", default="open"),
        _text("created_by"),
        _text("created_at"),
        _text("finished_by", nullable=True),
        _text("finished_at", nullable=True),
        sa.CheckConstraint("status IN ('open', 'finished')", name="ck_roadshow_events_status"),
        sa.CheckConstraint("trim >= 0", name="ck_roadshow_events_trim"),
        sa.PrimaryKeyConstraint("id", name="pk_roadshow_events"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "roadshow_entries",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("project_id"),
        _text("added_by"),
        _text("added_at"),
        sa.PrimaryKeyConstraint("event_id", "project_id", name="pk_roadshow_entries"),
        _event_fk("roadshow_entries"),
    )
    op.create_table(
        "roadshow_reviewers",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("username"),
        _text("added_by"),
        _text("added_at"),
        sa.PrimaryKeyConstraint("event_id", "username", name="pk_roadshow_reviewers"),
        _event_fk("roadshow_reviewers"),
    )
    op.create_table(
        "roadshow_recusals",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("username"),
        _text("org_id"),
        _text("note", default=""),
        _text("declared_by"),
        _text("declared_at"),
        sa.PrimaryKeyConstraint("event_id", "username", "org_id", name="pk_roadshow_recusals"),
        _event_fk("roadshow_recusals"),
    )
    op.create_table(
        "roadshow_bars",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("project_id"),
        _text("username"),
        _text("source"),
        _text("org_id"),
        _text("reason"),
        _text("recorded_at"),
        sa.PrimaryKeyConstraint("event_id", "project_id", "username", name="pk_roadshow_bars"),
        _event_fk("roadshow_bars"),
    )
    parts = ("need_fit", "execution", "effect", "sustainability", "funds", "total")
    op.create_table(
        "roadshow_scores",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("project_id"),
        _text("username"),
        *(sa.Column(p, sa.Float(), nullable=False) for p in parts),
        _text("comment", default=""),
        _text("saved_at"),
        sa.PrimaryKeyConstraint("event_id", "project_id", "username", name="pk_roadshow_scores"),
        _event_fk("roadshow_scores"),
    )
    op.create_table(
        "roadshow_results",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _text("project_id"),
        sa.Column("rank", sa.Integer()),
        sa.Column("combined", sa.Float()),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("low", sa.Float()),
        sa.Column("high", sa.Float()),
        sa.Column("std", sa.Float()),
        _text("award", default=""),
        sa.PrimaryKeyConstraint("event_id", "project_id", name="pk_roadshow_results"),
        _event_fk("roadshow_results"),
    )


def downgrade() -> None:
    for table in (
        "roadshow_results",
        "roadshow_scores",
        "roadshow_bars",
        "roadshow_recusals",
        "roadshow_reviewers",
        "roadshow_entries",
        "roadshow_events",
    ):
        op.drop_table(table)
