"""The roadshow blueprint (``/roadshow``): officer pages under ``/roadshow/events``, reviewer
pages under ``/roadshow/review``. A refused action (:class:`~webapp.roadshow.RoadshowError`)
answers with its status: a page re-shows the form with the messages, a POST elsewhere flashes
them and the status stays on the response."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp", "OFFICERS", "REVIEWERS"]

bp = Blueprint("roadshow", __name__, url_prefix="/roadshow")

#: who runs events, and who scores in them
OFFICERS = ("officer", "admin")
REVIEWERS = ("reviewer", "admin")
