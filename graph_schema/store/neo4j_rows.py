"""Rows of the data contract as the Neo4j store sends them: one list per row, typed for the driver.

Shared by the one-transaction import (:mod:`graph_schema.store.neo4j`) and the staged one
(:mod:`graph_schema.store.neo4j_staged`, which also keeps them as JSON between transactions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract.tables import Table

__all__ = ["review_key", "wire_rows"]

_SEP = "\x1f"  # joins the parts of a review's key; cannot occur in a CSV cell a person typed


def review_key(project_id: str, reviewed_on: str | None, reviewer: str | None) -> str:
    """The unique property of a ``:Review`` node; empty key parts count as ''.

    >>> review_key("J1", None, "评审组") == review_key("J1", "", "评审组")
    True
    """
    return _SEP.join((project_id, reviewed_on or "", reviewer or ""))


def _column_values(kind: str, values: pd.Series) -> list:
    """Python values the driver can send: None for empty, int/float/bool/str otherwise."""
    if kind == "float":
        arr = values.to_numpy(dtype="float64", na_value=np.nan).tolist()
        return [None if x != x else x for x in arr]
    if kind == "int":
        return [None if pd.isna(x) else int(x) for x in values.astype(object)]
    if kind == "bool":
        return [None if pd.isna(x) else bool(x) for x in values.astype(object)]
    return [
        None if x is None or (isinstance(x, float) and x != x) else str(x)
        for x in values.astype(object)
    ]


def wire_rows(spec: Table, frame: pd.DataFrame) -> list[list]:
    """One list per row, in the column order of ``spec`` (reviews: plus their key)."""
    columns = [_column_values(c.kind, frame[c.name]) for c in spec.columns]
    if spec.name == "reviews":
        columns.append(
            [
                review_key(p, d, r)
                for p, d, r in zip(columns[0], columns[2], columns[3], strict=True)
            ]
        )
    return [list(r) for r in zip(*columns, strict=True)] if columns else []
