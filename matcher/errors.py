"""The one root exception of :mod:`matcher`."""

from __future__ import annotations

__all__ = ["MatcherError"]


class MatcherError(Exception):
    """The matcher cannot work on what it was given (the message says what and where)."""
