"""Uploads waiting for an admin's confirmation, and the import each one becomes (issue 12, 14).

An upload is kept here — not on a web server's disk — so that any web server or worker of the
site reads it: several machines share only this database, Redis and the store. Its row then
follows the import: ``pending`` (previewed, waiting) → ``queued`` (confirmed, on the queue) →
``running`` → ``applied`` or ``failed``; ``cancelled`` and ``expired`` end it unapplied.
See docs/imports.md.

Examples
--------
>>> ImportUpload.__tablename__, "bytes" in ImportUpload.__table__.c
('import_uploads', True)
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

__all__ = ["ImportUpload", "IMPORT_STATUSES"]

#: every status an upload's row can have, in the order they come
IMPORT_STATUSES = ("pending", "queued", "running", "applied", "failed", "cancelled", "expired")


class ImportUpload(Base):
    """One uploaded file, its preview's token, and the import it became once confirmed."""

    __tablename__ = "import_uploads"
    __table_args__ = (Index("ix_import_uploads_token", "token", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(Text)  # secrets.token_urlsafe: the preview's address
    actor: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column("bytes", LargeBinary)
    sha256: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[str] = mapped_column(Text)
    #: the store's table versions (JSON) when the preview was computed: a confirm needs the same
    store_versions: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[str | None] = mapped_column(Text)
    report_json: Mapped[str | None] = mapped_column(Text)  # rows read / changed per table
    error: Mapped[str | None] = mapped_column(Text)
