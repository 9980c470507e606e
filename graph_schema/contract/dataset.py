"""A :class:`Dataset`: the typed tables of one data folder, in memory.

It is what the importer produces, what a store's :meth:`~graph_schema.store.GraphStore.load_dataset`
returns and what the matcher works on. Columns are typed as in :mod:`graph_schema.contract.tables`:
ids, text, codes and ISO dates are Python ``str`` or ``None``; ints are pandas ``Int64``;
floats ``float64`` (NaN when empty); booleans pandas ``boolean``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from .tables import TABLE_ORDER, TABLES, Table

__all__ = ["Dataset", "empty_frame", "coerce_frame", "format_frame"]

_DTYPES = {"int": "Int64", "float": "float64", "bool": "boolean"}


def empty_frame(spec: Table) -> pd.DataFrame:
    """An empty, typed frame with the columns of ``spec``."""
    return coerce_frame(spec, pd.DataFrame({c: [] for c in spec.column_names}))


def coerce_frame(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` exactly the columns of ``spec`` with their dtypes (missing columns empty)."""
    out = {}
    n = len(frame)
    for col in spec.columns:
        values = frame[col.name] if col.name in frame.columns else pd.Series([None] * n)
        values = values.reset_index(drop=True)
        dtype = _DTYPES.get(col.kind)
        if dtype is None:
            obj = values.astype(object)
            missing = obj.isna()
            out[col.name] = obj.where(~missing, None) if missing.any() else obj
        elif dtype == "float64":
            out[col.name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[col.name] = values.astype(dtype)
    # copy=False: the columns above are new already; a copy would double a large table in memory
    return pd.DataFrame(out, columns=spec.column_names, copy=False)


def _format_column(kind: str, values: pd.Series) -> pd.Series:
    if kind == "float":
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        text = np.empty(len(v), dtype=object)
        finite = ~np.isnan(v)
        whole = finite & (np.floor(v) == v) & (np.abs(v) < 2**53)
        text[:] = ""
        text[whole] = v[whole].astype(np.int64).astype(str)
        rest = finite & ~whole
        # numpy prints a float64 as Python's repr() does (shortest round-trip), without a loop
        text[rest] = v[rest].astype(str)
        return pd.Series(text, index=values.index, dtype=object)
    if kind == "bool":
        if pd.api.types.is_bool_dtype(values.dtype):  # fast path, same text as below
            missing = values.isna().to_numpy()
            flags = values.to_numpy(dtype=bool, na_value=False)
            text = np.array(["false", "true"], dtype=object)[flags.astype(np.intp)]
            text[missing] = ""
            return pd.Series(text, index=values.index, dtype=object)
        return values.map(lambda b: "" if pd.isna(b) else ("true" if b else "false")).astype(object)
    if kind == "int":
        if pd.api.types.is_signed_integer_dtype(values.dtype):  # fast path, same text as below
            missing = values.isna().to_numpy()
            ints = values.to_numpy(dtype=np.int64, na_value=0)
            text = np.full(len(ints), "", dtype=object)
            text[~missing] = ints[~missing].astype(str)
            return pd.Series(text, index=values.index, dtype=object)
        return values.map(lambda i: "" if pd.isna(i) else str(int(i))).astype(object)
    return _format_text(values)


def _format_text(values: pd.Series) -> pd.Series:
    """``str(value)``, '' for None and NaN: vectorised for the usual column of str and None."""
    cells = values.to_numpy(dtype=object)
    missing = pd.isna(cells)
    text = cells.copy()
    # the rare pd.NA / NaT keep the text str() gives them
    text[missing] = [
        "" if s is None or (isinstance(s, float) and np.isnan(s)) else str(s)
        for s in cells[missing]
    ]
    present = ~missing
    if pd.api.types.infer_dtype(cells[present], skipna=False) not in ("string", "empty"):
        text[present] = [str(s) for s in cells[present]]
    return pd.Series(text, index=values.index, dtype=object)


def format_frame(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The text a CSV cell shows for every value of ``frame`` ('' when empty)."""
    return pd.DataFrame({c.name: _format_column(c.kind, frame[c.name]) for c in spec.columns})


def _sorted_by(frame: pd.DataFrame, key: list[str]) -> bool:
    """True when the rows are already in key order (no empty key values, comparable values)."""
    columns = [frame[k].to_numpy() for k in key]
    if len(frame) < 2 or any(pd.isna(c).any() for c in columns):
        return len(frame) < 2
    before = np.zeros(len(frame) - 1, dtype=bool)  # row i sorts strictly before row i + 1
    tied = np.ones(len(frame) - 1, dtype=bool)
    try:
        for c in columns:
            a, b = c[:-1], c[1:]
            before |= tied & (a < b)
            tied &= a == b
    except TypeError:
        return False
    return bool((before | tied).all())


class Dataset(Mapping[str, pd.DataFrame]):
    """The ten tables of the data contract, typed; absent optional tables are empty.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Frames by table name; they are coerced to the contract's columns and dtypes.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...     "county": ["泰山区"], "lat": [36.3], "lon": [117.2]})})
    >>> ds.counts()["villages"], ds.counts()["needs"]
    (1, 0)
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None):
        tables = tables or {}
        unknown = set(tables) - set(TABLES)
        if unknown:
            raise KeyError(f"not tables of the data contract: {sorted(unknown)}")
        self._tables = {
            name: coerce_frame(TABLES[name], tables[name])
            if name in tables
            else empty_frame(TABLES[name])
            for name in TABLE_ORDER
        }

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(frame) for name, frame in self._tables.items()}

    def canonical(self) -> Dataset:
        """The same rows, each table sorted by its key, so two datasets compare row for row."""
        return Dataset({name: self.sorted_table(name) for name in self._tables})

    def sorted_table(self, name: str) -> pd.DataFrame:
        """Table ``name`` sorted by its key, as in :meth:`canonical` (one table at a time)."""
        frame = self._tables[name]
        key = list(TABLES[name].key)
        if _sorted_by(frame, key):  # a stable sort would keep the order: skip its cost
            return frame.reset_index(drop=True)
        return frame.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)

    def as_text(self, extra: bool = False) -> dict[str, list[tuple[str, ...]]]:
        """Every table as sorted rows of cell text, the form in which two datasets are compared.

        ``extra=False`` leaves out the columns the project adds to the contract (who approved a
        partnership and when), which a store fills in on import.
        """
        out = {}
        for name, frame in self._tables.items():
            spec = TABLES[name]
            text = format_frame(spec, frame)
            if not extra:
                text = text[[c for c in spec.column_names if c not in spec.extra]]
            out[name] = sorted(map(tuple, text.itertuples(index=False, name=None)))
        return out

    def equals(self, other: Dataset, extra: bool = False) -> bool:
        """True when both hold the same rows (order aside), compared on the contract's columns."""
        return self.as_text(extra) == other.as_text(extra)
