"""报到: a group's arrival at its village, as the lead organization (or an officer) reports it.

One row per letter: the lead organization's 介绍信 (its 文号, ``letter_reference``) starts the
count of days, and the group has arrived once this row exists. The lead organization reports it
(date, who received the group on the village committee, a note); an officer may report it for
the group or confirm the group's report (``confirmed_by``/``confirmed_at``). A new group of the
village gets a new letter and so needs a new 报到. See docs/ledger.md.

Examples
--------
>>> Arrival.__tablename__, sorted(c.name for c in Arrival.__table__.c)[:3]
('arrivals', ['arrived_on', 'confirmed_at', 'confirmed_by'])
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

__all__ = ["Arrival"]


class Arrival(Base):
    """The 报到 of the group a letter was issued to (one per letter)."""

    __tablename__ = "arrivals"
    __table_args__ = (
        Index("ix_arrivals_letter_reference", "letter_reference", unique=True),
        Index("ix_arrivals_village_id", "village_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    village_id: Mapped[str] = mapped_column(Text)
    org_id: Mapped[str] = mapped_column(Text)  # the lead organization the letter went to
    letter_reference: Mapped[str] = mapped_column(Text)  # its 文号
    arrived_on: Mapped[str] = mapped_column(Text)  # YYYY-MM-DD, Beijing
    received_by_name: Mapped[str] = mapped_column(Text)  # on the village committee
    received_by_role: Mapped[str] = mapped_column(Text)  # e.g. 村党支部书记
    note: Mapped[str] = mapped_column(Text, server_default="")
    reported_by: Mapped[str] = mapped_column(Text)  # actor, e.g. organization:org
    reported_at: Mapped[str] = mapped_column(Text)  # ISO 8601 UTC
    confirmed_by: Mapped[str | None] = mapped_column(Text)  # an officer's actor
    confirmed_at: Mapped[str | None] = mapped_column(Text)
