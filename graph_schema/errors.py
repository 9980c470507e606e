"""Exceptions of :mod:`graph_schema`; every one derives from :class:`GraphSchemaError`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GraphSchemaError",
    "Problem",
    "ValidationError",
    "StoreError",
    "StoreUnavailableError",
    "ConflictError",
    "CapacityError",
    "NotFoundError",
    "ImportInProgressError",
]


class GraphSchemaError(Exception):
    """Root of every error raised by :mod:`graph_schema`."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located as ``file:line: column: message``.

    ``line`` is the 1-based line of the file as a person sees it in an editor or in
    Excel (the header is line 1); 0 means the file as a whole.
    """

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ValidationError(GraphSchemaError):
    """An input broke the data contract; nothing of it was stored.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, not only the first, sorted by file and line (at most 1,000 of one
        column of one file are listed).
    total : int
        How many problems there are, listed or not.
    """

    def __init__(self, problems: list[Problem], limit: int = 50, total: int | None = None):
        self.problems = sorted(problems)
        self.total = max(total or 0, len(self.problems))
        shown = "\n".join(str(p) for p in self.problems[:limit])
        more = self.total - min(limit, len(self.problems))
        if more > 0:
            shown += f"\n... and {more:,} more problems"
        listed = "" if self.total == len(self.problems) else f", {len(self.problems):,} listed"
        super().__init__(f"refused: {self.total:,} problem(s){listed}\n{shown}")


class StoreError(GraphSchemaError):
    """A store could not do what was asked."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached or opened (server down, wrong password, unknown database)."""


class ConflictError(StoreError):
    """A write conflicts with what is stored (e.g. the village already has a group)."""


class CapacityError(ConflictError):
    """A write would give an organization more villages than its ``max_villages``."""


class NotFoundError(StoreError):
    """A record that the write refers to does not exist."""


class ImportInProgressError(StoreError):
    """A write (or a consistent read) waited too long for a large import that is being applied.

    The import passed its commit point and will complete; try again when it has finished.
    ``states`` are the job states that were waited for.
    """

    def __init__(self, message: str, states: tuple[str, ...] = ("applying",)):
        super().__init__(message)
        self.states = states
