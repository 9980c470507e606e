"""Reads from the store that the organization, review and API pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from graph_schema import TABLES
from graph_schema.contract.dataset import empty_frame

from ..extensions import get_store

__all__ = ["rows", "rows_in", "one_row", "county_centres", "COUNTY_CENTRES_TAIAN"]

#: the seats of Tai'an's six county-level governments, used when the store has no villages yet
COUNTY_CENTRES_TAIAN: dict[str, tuple[float, float]] = {
    "泰山区": (36.1941, 117.1296),
    "岱岳区": (36.1875, 117.0418),
    "新泰市": (35.9090, 117.7681),
    "肥城市": (36.1826, 116.7682),
    "宁阳县": (35.7590, 116.8054),
    "东平县": (35.9365, 116.4707),
}


def rows(table: str, **where: Any) -> pd.DataFrame:
    """Rows of ``table`` whose columns equal ``where`` (a keyed query when the store has one).

    Examples
    --------
    >>> import tempfile
    >>> from webapp import create_app
    >>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
    >>> with app.app_context():
    ...     len(rows("villages", county="泰山区"))
    0
    """
    store = get_store()
    query = getattr(store, "query", None)
    if query is not None:
        return query(table, where)
    frame = store.load_dataset()[table]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame.reset_index(drop=True)


def rows_in(table: str, column: str, values: Iterable[str]) -> pd.DataFrame:
    """Rows of ``table`` whose ``column`` is one of ``values``."""
    values = list(dict.fromkeys(v for v in values if v is not None))
    if not values:
        return empty_frame(TABLES[table])
    frames = [rows(table, **{column: v}) for v in values]
    return pd.concat(frames, ignore_index=True)


def one_row(table: str, **where: Any) -> dict[str, Any] | None:
    """The first matching row as a dict of plain Python values (None when there is none)."""
    frame = rows(table, **where)
    if frame.empty:
        return None
    return {k: (None if _missing(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def county_centres() -> dict[str, tuple[float, float]]:
    """The counties of the stored villages with a centre each: the county seat when known, else
    the mean position of the county's villages (Tai'an's six seats when no village is stored)."""
    villages = rows("villages")
    if villages.empty:
        return dict(COUNTY_CENTRES_TAIAN)
    centres = {}
    for county, row in villages.groupby("county")[["lat", "lon"]].mean().iterrows():
        centres[str(county)] = COUNTY_CENTRES_TAIAN.get(
            str(county), (round(float(row["lat"]), 5), round(float(row["lon"]), 5))
        )
    return dict(sorted(centres.items()))
