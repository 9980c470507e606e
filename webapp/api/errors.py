"""Every API error is JSON: ``{"error": {"status", "message", "details"}}`` with the right status.

Handlers are registered on the API blueprints (so another part of the site's HTML error pages never
answers an API request) and, for URLs under ``/api/`` that match no route, on the application.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from graph_schema.errors import ImportInProgressError

from ..busy import RETRY_AFTER_SECONDS
from ..errors import WebappError

__all__ = ["ApiError", "ErrorSchema", "error_response", "register_error_handlers"]


class ApiError(WebappError):
    """An API request refused with ``status`` (400, 401, 403, 404, 409, 422...)."""

    def __init__(self, status: int, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


class _ErrorBody(Schema):
    status = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    message = fields.String(required=True, metadata={"description": "What went wrong"})
    details = fields.Raw(
        allow_none=True,
        metadata={"description": "Per-field messages or other specifics (may be null)"},
    )


class ErrorSchema(Schema):
    """The body of every error response."""

    error = fields.Nested(_ErrorBody, required=True)


def error_response(status: int, message: str, details: Any = None, headers=None):
    response = jsonify({"error": {"status": status, "message": message, "details": details}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="baotuan"'
    return response


def _from_http(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    details = data.get("errors") or data.get("messages")
    # webargs nests validation messages by location ({"json": {...}}, {"query": {...}})
    if isinstance(details, dict) and len(details) == 1:
        (only,) = details.values()
        if isinstance(only, dict):
            details = only
    message = data.get("message") or exc.description or exc.name
    if exc.code == 422 and not data.get("message"):
        message = "the request has invalid values"
    headers = {}
    if exc.code == 405 and exc.response is None:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return error_response(exc.code or 500, message, details, headers)


def handle_api_error(exc: ApiError):
    return error_response(exc.status, exc.message, exc.details)


def handle_http_exception(exc: HTTPException):
    return _from_http(exc)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _from_http(exc)
    if isinstance(exc, ImportInProgressError):  # a large import is applying: try again later
        return error_response(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    from flask import current_app

    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(500, InternalServerError.description)


def register_error_handlers(blueprints, app: Flask) -> None:
    """JSON errors on the API blueprints, for every status code, and for unmatched /api/ URLs."""
    for bp in blueprints:
        bp.register_error_handler(ApiError, handle_api_error)
        for code in default_exceptions:
            bp.register_error_handler(code, handle_http_exception)
        bp.register_error_handler(HTTPException, handle_http_exception)
        bp.register_error_handler(Exception, handle_unexpected)
