"""The roadshow blueprint with its pages (``bp``, registered by :func:`webapp.create_app`).

Importing the two audiences' modules attaches their routes to ``bp``.
"""

from __future__ import annotations

from . import officer_views, reviewer_views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
