"""公益路演评选: a roadshow event (“泰山红帆”公益路演大会) — projects entered, several reviewers
scoring each with the rubric, 回避 for reviewers tied to an entry's organizations, scores combined
by a trimmed mean with the spread shown, a ranking with awards, exported and printable; a
finished event's combined scores become reviews the matcher learns from. See docs/roadshow.md.

Pages: officers (``/roadshow/events``, :mod:`.officer_views`) and reviewers (``/roadshow/review``,
:mod:`.reviewer_views`); writes: :mod:`webapp.services.roadshow`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import WebappError

__all__ = ["RoadshowError"]


class RoadshowError(WebappError):
    """A roadshow action was refused: ``errors`` maps a field to a message, ``status`` is the
    HTTP status that fits (400, 403 barred, 404, 409 finished)."""

    def __init__(self, errors: Mapping[str, str], status: int = 400):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
        self.status = status
