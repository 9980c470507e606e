"""Filters and paging shared by the officer's lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request

__all__ = ["Page", "paginate", "filter_args"]


@dataclass
class Page:
    """One page of a list: its items, its number (from 1), how many pages and items in all."""

    items: Sequence[Any]
    number: int
    pages: int
    total: int


def paginate(items: Sequence[Any], number: int | None = None, size: int | None = None) -> Page:
    """The page ``number`` (from 1; clamped to the pages there are) of ``items``.

    Examples
    --------
    >>> p = paginate(list(range(120)), 3, 50)
    >>> (p.items[0], len(p.items), p.pages, p.total)
    (100, 20, 3, 120)
    """
    size = size or current_app.config.get("PAGE_SIZE", 50)
    if number is None:
        number = request.args.get("page", 1, type=int) or 1
    pages = max(math.ceil(len(items) / size), 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(items[start : start + size], number, pages, len(items))


def filter_args(*names: str) -> dict[str, str]:
    """The non-empty filter values among ``names`` in the query string (for links and forms)."""
    out = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if value:
            out[name] = value
    return out
