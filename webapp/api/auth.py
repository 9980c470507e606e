"""Per-account API tokens: ``Authorization: Bearer <token>``, with the same roles as the site.

The API never reads the session cookie: a request without a valid token is anonymous (401).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from ..accounts.models import User, find_by_token
from .errors import ApiError

__all__ = ["current_api_user", "authenticate", "token_required", "ALL_ROLES", "STAFF"]

ALL_ROLES = ("officer", "organization", "reviewer", "admin")
#: roles that see every organization's records
STAFF = ("officer", "reviewer", "admin")


def authenticate() -> User:
    """The account of the request's bearer token, or :class:`ApiError` 401."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "an API token is required: send 'Authorization: Bearer <token>'")
    token = token.strip()
    user = find_by_token(token) if len(token) <= 256 else None
    if user is None or not user.is_active:
        raise ApiError(
            401, "the API token is not valid (unknown, expired, revoked, or its account inactive)"
        )
    g.api_user = user
    return user


def current_api_user() -> User:
    user = g.get("api_user")
    if user is None:  # pragma: no cover - every resource is behind token_required
        raise ApiError(401, "an API token is required")
    return user


def token_required(blp, *roles: str) -> Callable:
    """Guard an API view: a valid token (401), of one of ``roles`` if given (403).

    Also documents the bearer security and the 401/403 responses in the OpenAPI document.
    """
    allowed = roles or ALL_ROLES

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = authenticate()
            if user.role not in allowed:
                raise ApiError(
                    403, f"a {user.role} account may not do this (needs: {', '.join(allowed)})"
                )
            return view(*args, **kwargs)

        wrapped = blp.alt_response(401, response="UNAUTHORIZED")(wrapped)
        if roles:
            wrapped = blp.alt_response(403, response="FORBIDDEN")(wrapped)
        return blp.doc(security=[{"bearerAuth": []}])(wrapped)

    return decorate
