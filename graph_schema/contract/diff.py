"""What an import would change: the rows added, changed and removed per table, keyed by id.

:func:`diff_datasets` compares two datasets table by table on each table's key columns
(:mod:`graph_schema.contract.tables`) with one pandas merge per table, so a province of millions
of rows is compared without a Python loop over its rows. :func:`upsert_result` is what
:meth:`graph_schema.store.GraphStore.import_dataset` leaves in a store holding ``before`` after
importing ``upload``: an import *upserts* — every uploaded row is inserted or replaces the stored
row with its key, a row absent from the upload stays as it is (an import removes nothing), and
the columns the project adds (who approved a partnership, when) keep their stored value where the
upload leaves them empty; partnerships without an approver are stamped with the importing actor.
The site's import preview is ``diff_datasets(stored, upsert_result(stored, upload, actor))``.

Examples
--------
>>> import pandas as pd
>>> from graph_schema.contract import Dataset
>>> def villages(*rows):
...     return Dataset({"villages": pd.DataFrame(rows, columns=["village_id", "name", "county",
...                                                               "lat", "lon"])})
>>> stored = villages(("V1", "易洼村", "泰山区", 36.3, 117.2), ("V2", "南村", "岱岳区", 36.1, 117.0))
>>> upload = villages(("V1", "易洼新村", "泰山区", 36.3, 117.2), ("V3", "北村", "岱岳区", 36.2, 117.1))
>>> diff = diff_datasets(stored, upsert_result(stored, upload))
>>> diff["villages"].counts()  # V2 is absent from the upload: kept, not removed
(1, 1, 0)
>>> diff["villages"].changes(5)
[('V1', [('name', '易洼村', '易洼新村')])]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .tables import TABLE_ORDER, TABLES, Table

__all__ = ["TableDiff", "DatasetDiff", "diff_datasets", "upsert_result", "key_text"]

_SIDES = ("__before", "__after")


def key_text(values: tuple) -> str:
    """A row's key as people read it: its values joined by ``/``.

    Examples
    --------
    >>> key_text(("V1", "O2"))
    'V1/O2'
    """
    return "/".join("" if v is None else str(v) for v in values)


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    # A store keeps an empty optional key as '' and reads it back as None: one value for both.
    return pd.DataFrame(
        {k: frame[k].astype(object).where(frame[k].notna(), "") for k in key}, index=frame.index
    )


def _differs(before: pd.Series, after: pd.Series) -> np.ndarray:
    missing_before = before.isna().to_numpy()
    missing_after = after.isna().to_numpy()
    same = before.eq(after).fillna(False).to_numpy(dtype=bool)
    return ~(same | (missing_before & missing_after))


@dataclass(frozen=True)
class TableDiff:
    """One table's difference: the keys of added and removed rows, the changed rows both ways.

    ``changed`` holds the key columns and every other column twice (``<column>__before``,
    ``<column>__after``) for the changed rows only; ``changed_mask`` says which columns of each
    changed row differ (columns in the order of ``value_columns``).
    """

    table: Table
    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    changed_mask: np.ndarray
    value_columns: tuple[str, ...]

    def counts(self) -> tuple[int, int, int]:
        """``(added, changed, removed)`` rows."""
        return len(self.added), len(self.changed), len(self.removed)

    @property
    def empty(self) -> bool:
        """Whether nothing differs."""
        return not any(self.counts())

    def _key_rows(self, frame: pd.DataFrame, limit: int) -> list[tuple]:
        return list(frame[list(self.table.key)].head(limit).itertuples(index=False, name=None))

    def added_keys(self, limit: int | None = None) -> list[tuple]:
        """Keys of the added rows (the first ``limit``; all when ``None``)."""
        return self._key_rows(self.added, len(self.added) if limit is None else limit)

    def removed_keys(self, limit: int | None = None) -> list[tuple]:
        """Keys of the removed rows (the first ``limit``; all when ``None``)."""
        return self._key_rows(self.removed, len(self.removed) if limit is None else limit)

    def changed_keys(self, limit: int | None = None) -> list[tuple]:
        """Keys of the changed rows (the first ``limit``; all when ``None``)."""
        return self._key_rows(self.changed, len(self.changed) if limit is None else limit)

    def column_counts(self) -> dict[str, int]:
        """How many changed rows differ in each column (columns that never differ left out)."""
        sums = self.changed_mask.sum(axis=0) if len(self.changed) else []
        return {c: int(n) for c, n in zip(self.value_columns, sums, strict=False) if n}

    def changes(self, limit: int) -> list[tuple[str, list[tuple[str, object, object]]]]:
        """The first ``limit`` changed rows: ``(key text, [(column, before, after), ...])``."""
        out = []
        head = self.changed.head(limit)
        for i, row in enumerate(head.itertuples(index=False, name=None)):
            values = dict(zip(head.columns, row, strict=True))
            key = key_text(tuple(values[k] for k in self.table.key))
            cols = [
                (c, _shown(values[c + _SIDES[0]]), _shown(values[c + _SIDES[1]]))
                for c, differs in zip(self.value_columns, self.changed_mask[i], strict=True)
                if differs
            ]
            out.append((key, cols))
        return out


def _shown(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


class DatasetDiff(Mapping[str, TableDiff]):
    """Every table's :class:`TableDiff`, in the contract's table order."""

    def __init__(self, tables: Mapping[str, TableDiff]):
        self._tables = {name: tables[name] for name in TABLE_ORDER if name in tables}

    def __getitem__(self, name: str) -> TableDiff:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """``(added, changed, removed)`` per table."""
        return {name: d.counts() for name, d in self._tables.items()}

    @property
    def empty(self) -> bool:
        """Whether the two datasets hold the same rows."""
        return all(d.empty for d in self._tables.values())


def diff_table(spec: Table, before: pd.DataFrame, after: pd.DataFrame) -> TableDiff:
    """The difference of one table's rows, keyed by ``spec.key`` (see :func:`diff_datasets`)."""
    key = list(spec.key)
    values = [c for c in spec.column_names if c not in spec.key]
    left = pd.concat([_keys(before, key), before[values].add_suffix(_SIDES[0])], axis=1)
    right = pd.concat([_keys(after, key), after[values].add_suffix(_SIDES[1])], axis=1)
    merged = left.merge(right, on=key, how="outer", indicator="__side", sort=False)
    side = merged.pop("__side").to_numpy()
    both = merged[side == "both"]
    mask = np.zeros((len(both), len(values)), dtype=bool)
    for j, c in enumerate(values):
        mask[:, j] = _differs(both[c + _SIDES[0]], both[c + _SIDES[1]])
    rows = mask.any(axis=1) if values else np.zeros(len(both), dtype=bool)
    return TableDiff(
        table=spec,
        added=merged.loc[side == "right_only", key].reset_index(drop=True),
        removed=merged.loc[side == "left_only", key].reset_index(drop=True),
        changed=both[rows].reset_index(drop=True),
        changed_mask=mask[rows],
        value_columns=tuple(values),
    )


def diff_datasets(before: Dataset, after: Dataset) -> DatasetDiff:
    """Per table, the rows ``after`` adds to, changes in and removes from ``before``.

    Rows are matched by their table's key columns; a row is *changed* when any other column
    differs (two empty values are equal). See the module example.
    """
    return DatasetDiff({n: diff_table(TABLES[n], before[n], after[n]) for n in TABLE_ORDER})


def upsert_result(
    before: Dataset, upload: Dataset, actor: str | None = None, at: str | None = None
) -> Dataset:
    """What a store holding ``before`` holds after ``import_dataset(upload)`` (see the module).

    ``actor`` and ``at`` stamp the partnerships left without an approver, as a store does
    (``None`` leaves them empty).
    """
    tables = {}
    for name in TABLE_ORDER:
        spec = TABLES[name]
        stored, new = before[name], upload[name]
        if len(new):
            key = list(spec.key)
            stored_index = pd.MultiIndex.from_frame(_keys(stored, key))
            new_index = pd.MultiIndex.from_frame(_keys(new, key))
            new = new.copy()
            where = stored_index.get_indexer(new_index)  # -1: a new row
            for c in spec.extra:  # an empty added column keeps the stored value
                kept = stored[c].astype(object).to_numpy()[np.maximum(where, 0)]
                fill = new[c].isna().to_numpy() & (where >= 0)
                column = new[c].astype(object).to_numpy(copy=True)
                column[fill] = kept[fill]
                new[c] = column
            stored = stored[~stored_index.isin(new_index)]
            stored = pd.concat([stored, new], ignore_index=True)
        if name == "partnerships" and actor is not None:
            stored = stored.copy()
            unstamped = stored["approved_by"].isna()
            stored.loc[unstamped, "approved_by"] = actor
            stored.loc[unstamped & stored["approved_at"].isna(), "approved_at"] = at
        tables[name] = stored
    return Dataset(tables)
