"""Who may open what: :func:`role_required` guards a view by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

__all__ = ["role_required"]


def role_required(*roles: str) -> Callable:
    """Allow a view only to signed-in accounts of one of ``roles`` (403 for others).

    Examples
    --------
    >>> @role_required("officer", "admin")
    ... def dashboard():
    ...     return "ok"
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorate
