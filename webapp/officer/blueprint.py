"""The officer blueprint and its access rule: officers and administrators only."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ..extensions import login_manager

__all__ = ["bp", "OFFICER_ROLES"]

#: who may open an officer page (everyone else gets 403)
OFFICER_ROLES = ("officer", "admin")

bp = Blueprint("officer", __name__, url_prefix="/officer")


@bp.before_request
def _officers_only():
    # One guard for every page and JSON endpoint of the blueprint, so no view can forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in OFFICER_ROLES:
        abort(403)
    return None
