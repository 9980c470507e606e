"""The API blueprint and what its resources share: paging and the organization scope of a token."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask_smorest import Blueprint

from .auth import current_api_user
from .errors import ApiError
from .schemas import records

__all__ = ["blp", "paged", "scope_org", "own_org_or_403"]

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Baotuan (抱团帮扶) JSON API: the data contract's records, reviews, "
    "partnerships, recommendations and the 疑点清单.",
)


def paged(frame: pd.DataFrame | list, args: dict[str, Any], convert=records) -> dict[str, Any]:
    """One page of ``frame`` (limit/offset from ``args``) with the total count."""
    limit, offset = args.get("limit", 50), args.get("offset", 0)
    total = len(frame)
    part = (
        frame.iloc[offset : offset + limit]
        if isinstance(frame, pd.DataFrame)
        else frame[offset : offset + limit]
    )
    return {"items": convert(part), "total": total, "limit": limit, "offset": offset}


def scope_org(requested: str | None) -> str | None:
    """The organization a list is restricted to: an organization token sees only its own
    (asking for another is 403); other roles see what they asked for (None: everything)."""
    user = current_api_user()
    if user.role != "organization":
        return requested
    if requested and requested != user.org_id:
        raise ApiError(403, "an organization token sees only its own organization's records")
    return user.org_id


def own_org_or_403(org_id: str) -> None:
    """Refuse an organization token acting on another organization."""
    user = current_api_user()
    if user.role == "organization" and user.org_id != org_id:
        raise ApiError(403, "an organization token may act only on its own organization")
