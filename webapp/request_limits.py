"""Limits checked before any view runs, so nothing oversized is written or audited (issue 13).

A ``before_request`` hook refuses, with a 400 that says where and what:

- a JSON body nested deeper than :data:`MAX_JSON_DEPTH` (counted on the text before it is
  parsed: Python's parser would otherwise recurse until ``RecursionError``), that is not valid
  JSON, that holds an integer of more than :data:`MAX_INT_DIGITS` digits, or a string longer
  than :data:`MAX_VALUE_CHARS`;
- a form field (or query parameter) longer than :data:`MAX_VALUE_CHARS`.

The parsed body is kept in Flask's JSON cache, so flask-smorest and the views read the same
value. API paths get the API's JSON error shape, site pages a short plain message.

Examples
--------
>>> json_depth('{"a": [1, [2, "]]]"]]}')
3
>>> json_depth("[" * 5 + "]" * 5)
5
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue

__all__ = ["MAX_JSON_DEPTH", "MAX_VALUE_CHARS", "MAX_INT_DIGITS", "json_depth", "init_app"]

MAX_JSON_DEPTH = 32
#: the longest text any field may hold (a review comment is far shorter; a username 64)
MAX_VALUE_CHARS = 20_000
MAX_INT_DIGITS = 18


class _Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(digits)


def _check_strings(value: Any, where: str) -> None:
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        raise _Refused(f"{where or 'the body'}: longer than {MAX_VALUE_CHARS} characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, where)
            _check_strings(item, f"{where}.{key}" if where else str(key)[:40])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{where}[{index}]")


def _check_json() -> None:
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused("the body is not UTF-8 text") from exc
    if json_depth(text) > MAX_JSON_DEPTH:
        raise _Refused(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_int=_parse_int)
    except ValueError as exc:
        raise _Refused(f"the body is not valid JSON: {exc}") from exc
    _check_strings(value, "")
    # Flask's own cache: request.get_json() (flask-smorest, the views) returns this value.
    request._cached_json = (value, value)  # type: ignore[attr-defined]


def _check_fields() -> None:
    for source, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            if len(name) > 200 or len(value) > MAX_VALUE_CHARS:
                raise _Refused(
                    f"{source} field {name[:40]!r}: longer than {MAX_VALUE_CHARS} characters"
                )


def _refuse(message: str) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        from .api.errors import error_response

        return error_response(400, message)
    return f"400 请求无效：{message}", 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Install the hook (first, before any view or extension reads the request)."""

    def check_request_limits() -> ResponseReturnValue | None:
        try:
            _check_fields()
            if request.mimetype and request.mimetype.endswith("json"):
                _check_json()
        except _Refused as refused:
            return _refuse(refused.message)
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, check_request_limits)
