"""Check raw tables (every cell a string) against the data contract.

All checks are vectorised with pandas so a national volunteer table (tens of millions of rows) is
checked in seconds; only the offending rows are turned into :class:`~graph_schema.errors.Problem`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import Problem, ValidationError
from .dataset import Dataset, coerce_frame
from .tables import CONTRACT_TABLES, TABLES, Column, Table
from .vocabulary import CODE_BY_LABEL

__all__ = ["parse_table", "validate_tables", "line_numbers", "KnownIds", "Problems"]

#: ids already stored, by ``(table, column)``; references may point at them.
KnownIds = Mapping[tuple[str, str], set[str]]

_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}
_MAX_PER_COLUMN = 1000  # a wholly broken column of a million rows would drown the message
_MAX_WHOLE = 2**53
_SINGULAR = {"activities": "activity"}


class Problems(list[Problem]):
    """Problems found, at most ``_MAX_PER_COLUMN`` listed per column; ``omitted`` counts the rest.

    So a refusal can say how many problems there truly are ("first 1,000 of 808,214").

    Examples
    --------
    >>> found = Problems([Problem("a.csv", 2, "x", "bad")], omitted=5)
    >>> found += Problems([], omitted=2)
    >>> len(found), found.omitted, found.total
    (1, 7, 8)
    """

    def __init__(self, items=(), omitted: int = 0):
        super().__init__(items)
        self.omitted = omitted

    def __iadd__(self, other):  # type: ignore[misc]  # list's own __add__ is untouched
        self.omitted += getattr(other, "omitted", 0)
        return super().__iadd__(other)

    @property
    def total(self) -> int:
        return len(self) + self.omitted


def _problems(label: str, lines: np.ndarray, column: str, messages) -> Problems:
    if isinstance(messages, str):
        messages = [messages] * min(len(lines), _MAX_PER_COLUMN)
    # messages may be a generator over a million bad cells: only the listed ones are formatted
    listed = [
        Problem(label, int(line), column, msg)
        for line, msg in zip(lines[:_MAX_PER_COLUMN], messages, strict=False)
    ]
    return Problems(listed, omitted=len(lines) - len(listed))


def _shown(value: object, limit: int = 60) -> str:
    """A cell as a problem quotes it: on one line (a line break shows as \\n) and not too long.

    Examples
    --------
    >>> _shown("a\\nb"), _shown("x" * 100)[-3:]
    ('a\\\\nb', 'xx…')
    """
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _range_text(col: Column) -> str:
    lo = "" if col.min is None else f"{col.min:g}"
    hi = "" if col.max is None else f"{col.max:g}"
    if col.exclusive_min:
        return f"{lo}..{hi} (more than {lo})"
    if col.name in ("lat", "lon"):
        return f"{lo}..{hi} (China's extent; is it (0, 0), or are lat and lon swapped?)"
    return f"{lo}..{hi}"


def _parse_column(col: Column, text: pd.Series, lines: np.ndarray, label: str):
    """Return ``(typed values, problems)`` for one column of stripped strings."""
    problems = Problems()
    empty = (text == "").to_numpy()
    if col.required and empty.any():
        problems += _problems(label, lines[empty], col.name, "required value is empty")
    present = ~empty
    if col.kind in ("str",):
        return text.where(present, None), problems
    if col.kind == "code":
        labels = CODE_BY_LABEL.get(col.name)
        if labels:  # 关爱老人 reads as elder_care; exports write the code
            text = text.map(lambda v: labels.get(v, v))
        bad = present & ~text.isin(col.codes).to_numpy()
        if bad.any():
            what = "service code" if col.name == "service" else f"{col.name} code"
            problems += _problems(
                label,
                lines[bad],
                col.name,
                (
                    f"unknown {what} '{_shown(v)}' (expected one of: {', '.join(col.codes)})"
                    for v in text[bad]
                ),
            )
        return text.where(present & ~bad, None), problems
    if col.kind == "bool":
        low = text.str.lower()
        is_true = low.isin(_TRUE).to_numpy()
        is_false = low.isin(_FALSE).to_numpy()
        bad = present & ~is_true & ~is_false
        if bad.any():
            problems += _problems(
                label,
                lines[bad],
                col.name,
                [f"'{_shown(v)}' is not true or false" for v in text[bad]],
            )
        out = pd.array(
            [
                True if t else (False if f else pd.NA)
                for t, f in zip(is_true, is_false, strict=True)
            ],
            dtype="boolean",
        )
        return pd.Series(out, index=text.index), problems
    if col.kind == "date":
        parsed = pd.to_datetime(text.where(present, None), format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna().to_numpy()
        if bad.any():
            problems += _problems(
                label,
                lines[bad],
                col.name,
                [f"'{_shown(v)}' is not an ISO date (YYYY-MM-DD)" for v in text[bad]],
            )
        return parsed.dt.strftime("%Y-%m-%d").where(~parsed.isna(), None).astype(object), problems
    # numbers
    numbers = pd.to_numeric(text.where(present, None), errors="coerce").astype("float64")
    values = numbers.to_numpy()
    # 'inf' and '1e309' parse, but are no amount a person means (and an export would lose them)
    not_number = present & ~np.isfinite(values)
    if not_number.any():
        noun = "a whole number" if col.kind == "int" else "a number"
        problems += _problems(
            label,
            lines[not_number],
            col.name,
            [f"'{_shown(v)}' is not {noun}" for v in text[not_number]],
        )
    ok = present & ~not_number
    if col.kind == "int":
        fractional = ok & (np.floor(np.where(ok, values, 0)) != np.where(ok, values, 0))
        if fractional.any():
            problems += _problems(
                label,
                lines[fractional],
                col.name,
                [f"'{_shown(v)}' is not a whole number" for v in text[fractional]],
            )
            ok &= ~fractional
        # beyond 2**53 a whole number is no longer exact (and beyond 2**63 not storable at all)
        huge = ok & (np.abs(np.where(ok, values, 0)) > _MAX_WHOLE)
        if huge.any():
            problems += _problems(
                label, lines[huge], col.name, [f"'{_shown(v)}' is too large" for v in text[huge]]
            )
            ok &= ~huge
    with np.errstate(invalid="ignore"):
        below = (
            (values <= col.min if col.exclusive_min else values < col.min)
            if col.min is not None
            else False
        )
        out_of_range = ok & (below | (values > col.max if col.max is not None else False))
    if np.any(out_of_range):
        problems += _problems(
            label,
            lines[out_of_range],
            col.name,
            (f"{_shown(v)} is outside {_range_text(col)}" for v in text[out_of_range]),
        )
    good = ok & ~out_of_range
    return pd.Series(np.where(good, values, np.nan), index=text.index), problems


def parse_table(
    spec: Table, raw: pd.DataFrame, label: str, first_line: int = 2
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type and range-check one raw table.

    Parameters
    ----------
    spec : Table
        The contract's description of the table.
    raw : DataFrame
        Every cell a string ('' when empty); unknown columns are ignored.
    label : str
        How problems name the file, e.g. ``needs.csv``.
    first_line : int
        The line number of the first data row (2 under a header row).

    Returns
    -------
    frame : DataFrame
        Typed rows (cells with problems are empty).
    problems : list of Problem
    """
    problems = Problems()
    lines = line_numbers(raw, first_line)
    raw = raw.rename(columns=lambda c: str(c).strip().lstrip("\ufeff"))
    repeated = raw.columns.duplicated()
    if repeated.any():
        # Which of two 'severity' columns is meant cannot be guessed; other repeats are ignored.
        for name in dict.fromkeys(raw.columns[repeated]):
            if name in spec.column_names:
                problems.append(Problem(label, 1, name, "column appears more than once"))
        raw = raw.loc[:, ~repeated]
    typed = {}
    for col in spec.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(Problem(label, 1, col.name, "required column is missing"))
            continue
        text = raw[col.name].fillna("").astype(str).str.strip().reset_index(drop=True)
        typed[col.name], found = _parse_column(col, text, lines, label)
        problems += found
    frame = coerce_frame(spec, pd.DataFrame(typed, index=range(len(raw))))
    key = [k for k in spec.key if k in raw.columns]
    if len(key) == len(spec.key) and len(frame):
        problems += _duplicates(spec, frame, lines, label)
    return frame, problems


def line_numbers(raw: pd.DataFrame, first_line: int = 2) -> np.ndarray:
    """The line of the file on which each row of ``raw`` stands.

    A reader that skips blank lines or reads quoted line breaks puts the true numbers in
    ``raw.attrs["lines"]``; otherwise row ``i`` is on line ``first_line + i``.
    """
    given = raw.attrs.get("lines")
    if given is not None and len(given) == len(raw):
        return np.asarray(given, dtype=np.int64)
    return np.arange(first_line, first_line + len(raw))


def _duplicates(spec: Table, frame: pd.DataFrame, lines: np.ndarray, label: str) -> Problems:
    keys = frame[list(spec.key)].astype(object).where(frame[list(spec.key)].notna(), "")
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return Problems()
    first_line: dict[tuple, int] = {}
    for line, row in zip(lines, keys.itertuples(index=False, name=None), strict=True):
        first_line.setdefault(row, line)
    out = []
    for line, row in zip(lines[dup], keys[dup].itertuples(index=False, name=None), strict=True):
        shown = ", ".join(f"{k}='{_shown(v)}'" for k, v in zip(spec.key, row, strict=True))
        out.append(
            Problem(
                label,
                int(line),
                spec.key[-1] if len(spec.key) == 1 else ",".join(spec.key),
                f"duplicate {shown} (first on line {first_line[row]})",
            )
        )
    return Problems(out[:_MAX_PER_COLUMN], omitted=max(len(out) - _MAX_PER_COLUMN, 0))


def validate_tables(
    raw_tables: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    known_ids: KnownIds | None = None,
    require_all: bool = True,
) -> Dataset:
    """Check a whole data folder and return it typed, or raise with every problem.

    Parameters
    ----------
    raw_tables : mapping of str to DataFrame
        Raw tables by name (``villages``, ``needs``, ...), every cell a string.
    labels : mapping of str to str, optional
        How problems name each table's file (default ``<name>.csv``).
    known_ids : mapping, optional
        Ids already stored, which references may also point at.
    require_all : bool
        Whether the contract's required files must be present.

    Raises
    ------
    ValidationError
        With every problem found, as ``file:line: column: what is wrong`` (at most 1,000 listed
        per column; ``total`` counts them all).

    Notes
    -----
    Files of :data:`~graph_schema.contract.tables.UNSTORED_TABLES` (none since activities are
    stored) would be checked like the others, references included, but left out of the Dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = {"villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"], "county": ["泰山区"],
    ...                                  "lat": ["200"], "lon": ["117"]})}
    >>> try:
    ...     validate_tables(raw, require_all=False)
    ... except ValidationError as e:
    ...     print(e.problems[0])
    villages.csv:2: lat: 200 is outside 3.5..54 (China's extent; is it (0, 0), or are lat and lon swapped?)
    """
    labels = dict(labels or {})
    problems = Problems()
    typed: dict[str, pd.DataFrame] = {}
    lines: dict[str, np.ndarray] = {}
    for name, spec in CONTRACT_TABLES.items():
        label = labels.setdefault(name, spec.filename)
        if name not in raw_tables:
            if require_all and spec.required:
                problems.append(Problem(label, 0, "", "required file is missing"))
            continue
        typed[name], found = parse_table(spec, raw_tables[name], label)
        lines[name] = line_numbers(raw_tables[name])
        problems += found
    problems += _reference_problems(typed, labels, known_ids or {}, lines)
    if problems:
        raise ValidationError(problems, total=problems.total)
    return Dataset({name: frame for name, frame in typed.items() if name in TABLES})


def _reference_problems(
    typed: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    known_ids: KnownIds,
    lines: Mapping[str, np.ndarray],
) -> Problems:
    problems = Problems()
    for name, frame in typed.items():
        for col in CONTRACT_TABLES[name].columns:
            if col.ref is None or col.name not in frame.columns or not len(frame):
                continue
            ref_table, ref_col = col.ref
            targets = frame.iloc[0:0][col.name]
            if ref_table in typed:
                targets = typed[ref_table][ref_col]
            values = frame[col.name]
            present = values.notna().to_numpy()
            missing = present & ~values.isin(targets).to_numpy()
            stored = known_ids.get(col.ref)
            if stored and missing.any():
                missing &= ~values.isin(stored).to_numpy()
            if missing.any():
                noun = _SINGULAR.get(ref_table, ref_table.removesuffix("s"))
                problems += _problems(
                    labels[name],
                    lines[name][missing],
                    col.name,
                    (f"unknown {noun} '{_shown(v)}'" for v in values[missing]),
                )
    return problems
