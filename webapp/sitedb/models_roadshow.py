"""The roadshow's tables (公益路演评选): events, their entries, reviewers, declared 回避, the
bars found, the reviewers' rubric scores and the frozen result of a finished event.

See docs/roadshow.md. Written only by :mod:`webapp.services.roadshow`.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

__all__ = [
    "RoadshowEvent",
    "RoadshowEntry",
    "RoadshowReviewer",
    "RoadshowRecusal",
    "RoadshowBar",
    "RoadshowScore",
    "RoadshowResult",
]


class RoadshowEvent(Base):
    """One roadshow (路演大会): when and where, its award tiers and how scores are combined."""

    __tablename__ = "roadshow_events"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'finished')", name="status"),
        CheckConstraint("trim >= 0", name="trim"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    held_on: Mapped[str] = mapped_column(Text)  # ISO date; the date of the reviews it writes
    place: Mapped[str] = mapped_column(Text, server_default="")
    county: Mapped[str | None] = mapped_column(Text)  # None: a city-wide event
    tiers_json: Mapped[str] = mapped_column(Text)  # [["一等奖", 1], ["二等奖", 2], ...] in order
    trim: Mapped[int] = mapped_column(Integer, server_default="1")  # scores dropped at each end
    status: Mapped[str] = mapped_column(Text, server_default="open")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text)
    finished_by: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[str | None] = mapped_column(Text)


class RoadshowEntry(Base):
    """A project entered in an event."""

    __tablename__ = "roadshow_entries"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(Text, primary_key=True)
    added_by: Mapped[str] = mapped_column(Text)
    added_at: Mapped[str] = mapped_column(Text)


class RoadshowReviewer(Base):
    """A reviewer account assigned to an event."""

    __tablename__ = "roadshow_reviewers"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    username: Mapped[str] = mapped_column(Text, primary_key=True)
    added_by: Mapped[str] = mapped_column(Text)
    added_at: Mapped[str] = mapped_column(Text)


class RoadshowRecusal(Base):
    """A tie the officer recorded: this reviewer must not score this organization's projects."""

    __tablename__ = "roadshow_recusals"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    username: Mapped[str] = mapped_column(Text, primary_key=True)
    org_id: Mapped[str] = mapped_column(Text, primary_key=True)
    note: Mapped[str] = mapped_column(Text, server_default="")
    declared_by: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[str] = mapped_column(Text)


class RoadshowBar(Base):
    """A reviewer barred from an entry (回避), why, and since when; refreshed on every change."""

    __tablename__ = "roadshow_bars"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(Text, primary_key=True)
    username: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text)  # account | declared | integrity
    org_id: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(Text)


class RoadshowScore(Base):
    """One reviewer's rubric score of one entry (the last one saved stands)."""

    __tablename__ = "roadshow_scores"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(Text, primary_key=True)
    username: Mapped[str] = mapped_column(Text, primary_key=True)
    need_fit: Mapped[float] = mapped_column(Float)
    execution: Mapped[float] = mapped_column(Float)
    effect: Mapped[float] = mapped_column(Float)
    sustainability: Mapped[float] = mapped_column(Float)
    funds: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    saved_at: Mapped[str] = mapped_column(Text)


class RoadshowResult(Base):
    """The frozen ranking of a finished event, one row per entry."""

    __tablename__ = "roadshow_results"

    event_id: Mapped[int] = mapped_column(ForeignKey("roadshow_events.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(Text, primary_key=True)
    rank: Mapped[int | None] = mapped_column(Integer)  # None: no score counted
    combined: Mapped[float | None] = mapped_column(Float)
    counted: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    std: Mapped[float | None] = mapped_column(Float)
    award: Mapped[str] = mapped_column(Text, server_default="")
