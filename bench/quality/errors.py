"""The one root exception of the quality bench."""

from __future__ import annotations

__all__ = ["QualityBenchError"]


class QualityBenchError(Exception):
    """Bad input to the quality bench (an unknown generator or scale, a malformed result)."""
