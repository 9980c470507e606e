"""The admin blueprint and its access rule: administrators only."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ..extensions import login_manager

__all__ = ["bp", "ADMIN_ROLES"]

#: who may open an admin page (everyone else gets 403)
ADMIN_ROLES = ("admin",)

bp = Blueprint("admin", __name__, url_prefix="/admin", static_folder="static")


@bp.before_request
def _admins_only():
    # One guard for every page of the blueprint, so no view can forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ADMIN_ROLES:
        abort(403)
    return None
