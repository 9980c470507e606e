"""The admin's import through the site, step by step, for tests: upload, preview, confirm, wait.

A confirmed import runs in the request without a queue, on ``baotuan worker`` with one (the
second CI pass): :func:`confirm` follows the import's page until it has ended either way.
"""

from __future__ import annotations

import io
import re
import time

__all__ = ["upload", "token_of", "confirm", "upload_and_confirm", "status_of"]


def upload(client, data: bytes, name: str):
    """POST the file to /admin/imports (the preview, or the refusal)."""
    return client.post(
        "/admin/imports",
        data={"data": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    """The preview's token, read from its page."""
    found = re.search(r'data-token="([^"]+)"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:2000]
    return found.group(1)


def status_of(html: str) -> str | None:
    """The import's status as its page shows it (``None`` on a page without one)."""
    found = re.search(r'id="import-status" data-status="(\w+)"', html)
    return found.group(1) if found else None


def confirm(client, token: str, timeout: float = 120):
    """Confirm the preview and follow the import's page until it is no longer queued or running."""
    response = client.post(f"/admin/imports/{token}/confirm", follow_redirects=True)
    deadline = time.monotonic() + timeout
    while status_of(response.get_data(as_text=True)) in ("queued", "running"):
        assert time.monotonic() < deadline, "the import did not end in time"
        time.sleep(0.2)
        response = client.get(f"/admin/imports/{token}")
    return response


def upload_and_confirm(client, data: bytes, name: str):
    """Upload, check a preview came back, confirm: the import's final page."""
    preview = upload(client, data, name)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    return confirm(client, token_of(preview))
