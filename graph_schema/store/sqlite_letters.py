"""Issued letters in the SQLite store: the ``issued_letters`` table and the 文号 sequences.

A letter is a record (留存备查): its row is inserted once and the database refuses to change or
remove it (triggers, as for the audit trail). The 文号 number comes from ``letter_sequences``, one
row per issuing prefix and year, read and advanced inside the writer's ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3

from .base import IssuedLetter, LetterRequest

__all__ = ["LETTER_SCHEMA", "SqliteLetterRecords"]

LETTER_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS issued_letters (
        reference TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
        year INTEGER NOT NULL, number INTEGER NOT NULL, village_id TEXT NOT NULL,
        org_id TEXT NOT NULL, kind TEXT NOT NULL, revokes TEXT NOT NULL DEFAULT '',
        issued_at TEXT NOT NULL, issued_by TEXT NOT NULL, sha256 TEXT NOT NULL, pdf BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS issued_letters_village ON issued_letters(village_id, org_id)",
    """CREATE TABLE IF NOT EXISTS letter_sequences (
        prefix TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (prefix, year))""",
    """CREATE TRIGGER IF NOT EXISTS issued_letters_no_update BEFORE UPDATE ON issued_letters
        BEGIN SELECT RAISE(ABORT, 'an issued letter is a record and never changes'); END""",
    """CREATE TRIGGER IF NOT EXISTS issued_letters_no_delete BEFORE DELETE ON issued_letters
        BEGIN SELECT RAISE(ABORT, 'an issued letter is a record and never changes'); END""",
]

_COLUMNS = (
    "reference, key, prefix, year, number, village_id, org_id, kind, revokes, issued_at, "
    "issued_by, sha256, pdf"
)


def _letter(row: tuple) -> IssuedLetter:
    fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
    fields["pdf"] = bytes(fields["pdf"])
    return IssuedLetter(**fields)


class SqliteLetterRecords:
    """The issued-letter methods of :class:`~graph_schema.store.sqlite.SqliteGraphStore`."""

    def issue_letter(self, request: LetterRequest, actor: str) -> IssuedLetter:
        with self._write() as db:  # type: ignore[attr-defined]
            found = db.execute(
                f"SELECT {_COLUMNS} FROM issued_letters WHERE key = ?", (request.key,)
            ).fetchone()
            if found is not None:
                return _letter(found)
            db.execute(
                "INSERT INTO letter_sequences(prefix, year, last) VALUES (?, ?, 1) "
                "ON CONFLICT(prefix, year) DO UPDATE SET last = last + 1",
                (request.prefix, request.year),
            )
            (number,) = db.execute(
                "SELECT last FROM letter_sequences WHERE prefix = ? AND year = ?",
                (request.prefix, request.year),
            ).fetchone()
            letter = IssuedLetter.made(request, number, actor)
            db.execute(
                f"INSERT INTO issued_letters({_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                (
                    *(getattr(letter, f) for f in _COLUMNS.split(", ")[:12]),
                    sqlite3.Binary(letter.pdf),
                ),
            )
            action, target, after = letter.audit_entry()
            self._audit(db, actor, action, target, None, after)  # type: ignore[attr-defined]
            return letter

    def issued_letters(
        self, village_id: str | None = None, org_id: str | None = None, reference: str | None = None
    ) -> list[IssuedLetter]:
        where, args = [], []
        for column, value in (
            ("village_id", village_id),
            ("org_id", org_id),
            ("reference", reference),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = f"SELECT {_COLUMNS} FROM issued_letters"
        if where:
            sql += " WHERE " + " AND ".join(where)
        db = self._conn()  # type: ignore[attr-defined]
        rows = db.execute(sql + " ORDER BY issued_at, number", args).fetchall()
        return [_letter(r) for r in rows]
