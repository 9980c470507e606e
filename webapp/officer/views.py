"""The officer blueprint with all its pages (``bp``, registered by :func:`webapp.create_app`).

Pages live in one module per subject; importing them here attaches their routes to ``bp``.
"""

from __future__ import annotations

from . import (  # noqa: F401
    arrivals,
    county_ledger,
    dashboard,
    documents,
    ledger,
    letter_views,
    matching,
    organizations,
    review,
    villages,
)
from .blueprint import bp

__all__ = ["bp"]
