"""Issued letters in the Neo4j store: ``(:IssuedLetter)`` nodes and ``(:LetterSequence)`` 文号s.

An issued letter is a record: it is created once (its ``key`` and ``reference`` are unique) and
no statement of the store sets it again. Its PDF is kept as a byte-array property. The 文号
number comes from the locked ``LetterSequence`` node of its prefix and year, in the transaction
that creates the letter and its audit entry. Statements: ``graph_schema/store/cypher.py``.
"""

from __future__ import annotations

import dataclasses

from . import cypher
from .base import IssuedLetter, LetterRequest
from .neo4j_tx import write_audit

__all__ = ["Neo4jLetterRecords"]


def _letter(record) -> IssuedLetter:
    values = dict(record)
    values["pdf"] = bytes(values["pdf"] or b"")
    values["year"], values["number"] = int(values["year"]), int(values["number"])
    return IssuedLetter(**values)


class Neo4jLetterRecords:
    """The issued-letter methods of :class:`~graph_schema.store.neo4j.Neo4jGraphStore`."""

    def issue_letter(self, request: LetterRequest, actor: str) -> IssuedLetter:
        def work(tx) -> IssuedLetter:
            found = tx.run(cypher.LETTER_BY_KEY, key=request.key).single()
            if found is not None:
                return _letter(found)
            name = f"{request.prefix}/{request.year}"
            number = int(tx.run(cypher.NEXT_LETTER_NUMBER, name=name).single(strict=True)[0])
            letter = IssuedLetter.made(request, number, actor)
            tx.run(cypher.CREATE_LETTER, letter=dataclasses.asdict(letter)).consume()
            action, target, after = letter.audit_entry()
            write_audit(tx, actor, action, target, None, after)
            return letter

        return self.tx.write(work)  # type: ignore[attr-defined]

    def issued_letters(
        self, village_id: str | None = None, org_id: str | None = None, reference: str | None = None
    ) -> list[IssuedLetter]:
        def work(tx) -> list[IssuedLetter]:
            result = tx.run(
                cypher.ISSUED_LETTERS, village_id=village_id, org_id=org_id, reference=reference
            )
            return [_letter(r) for r in result]

        return self.tx.read(work)  # type: ignore[attr-defined]
