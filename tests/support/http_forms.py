"""Signing in to a served site over HTTP, as a browser would (the form's CSRF token included)."""

from __future__ import annotations

import re

__all__ = ["csrf_token", "sign_in"]


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on ``page``."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(http, url: str, username: str, password: str, client: str | None = None):
    """POST the sign-in form of the site at ``url`` with a ``requests`` session; the response.

    ``client`` is the address a proxy would report (``X-Forwarded-For``; the site counts it when
    ``BAOTUAN_PROXY_COUNT`` is set).
    """
    headers = {"X-Forwarded-For": client} if client else {}
    page = http.get(f"{url}/login", headers=headers).text
    return http.post(
        f"{url}/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        headers=headers,
        allow_redirects=False,
    )
