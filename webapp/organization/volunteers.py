"""An organization's volunteers: one at a time from a form, or many from a spreadsheet.

A spreadsheet is a CSV file with the columns of ``volunteers.csv`` (and, optionally, a second CSV
with those of ``volunteer_skills.csv``) or one ``.xlsx`` workbook with sheets ``volunteers`` and
``volunteer_skills``. It is checked by :mod:`graph_schema.contract.validation` and imported whole in one
transaction, or refused whole with every problem as ``file:line: column: what is wrong``.
Adding, removing and importing volunteers are :mod:`webapp.services.volunteers`.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from graph_schema import Dataset, Problem, ValidationError
from graph_schema.contract.interchange import read_raw
from graph_schema.contract.limits import VOLUNTEER_UPLOAD_LIMITS
from graph_schema.contract.validation import line_numbers, validate_tables

from ..extensions import get_store
from .data import one_row, rows, rows_in
from .forms import FormError

__all__ = [
    "VolunteerError",
    "list_volunteers",
    "checked_upload",
    "new_volunteer_id",
    "read_csv_as",
]


class VolunteerError(FormError):
    """A volunteer form was refused."""


def new_volunteer_id(org_id: str) -> str:
    taken = get_store().known_ids().get(("volunteers", "volunteer_id"), set())
    while True:
        vid = f"{org_id}-P{secrets.token_hex(3).upper()}"
        if vid not in taken:
            return vid


def list_volunteers(org_id: str, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """One page of the organization's volunteers with their skills, and how many there are."""
    frame = rows("volunteers", org_id=org_id).sort_values(["name", "volunteer_id"])
    page = frame.iloc[offset : offset + limit]
    skills = rows_in("volunteer_skills", "volunteer_id", page["volunteer_id"])
    out = []
    for v in page.itertuples(index=False):
        out.append(
            {
                "volunteer_id": v.volunteer_id,
                "name": v.name,
                "county": v.county,
                "lat": v.lat,
                "lon": v.lon,
                "hours_per_month": None if pd.isna(v.hours_per_month) else v.hours_per_month,
                "skills": sorted(skills.loc[skills["volunteer_id"] == v.volunteer_id, "service"]),
            }
        )
    return out, len(frame)


#: columns of the volunteers sheet of the template that name skills (a drop-down each)
SKILL_COLUMNS = ("service_1", "service_2", "service_3")


def read_csv_as(
    folder: Path, table: str, name: str, data: bytes
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """An uploaded CSV read raw as the contract's ``table`` (None when unreadable), and its
    problems named by the uploaded file's ``name``; ``folder`` is a scratch directory."""
    sub = folder / table
    sub.mkdir(exist_ok=True)
    (sub / f"{table}.csv").write_bytes(data)
    got, _labels, got_problems = read_raw(sub)
    return got.get(table), [Problem(name, p.line, p.column, p.message) for p in got_problems]


def _read_upload(files: Sequence[tuple[str, bytes]], folder: Path, org_id: str = ""):
    """Raw ``volunteers`` / ``volunteer_skills`` tables from uploaded files, with their labels.

    A workbook is refused before parsing when larger than
    :data:`~graph_schema.contract.limits.VOLUNTEER_UPLOAD_LIMITS`. The rows are then completed
    as :func:`_complete` says (ids, places and skills a person may leave to the site).
    """
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    csvs = []
    for filename, data in files:
        name = Path(filename or "upload").name
        if name.lower().endswith((".xlsx", ".xlsm")):
            path = folder / "upload.xlsx"
            path.write_bytes(data)
            got, got_labels, got_problems = read_raw(path, VOLUNTEER_UPLOAD_LIMITS)
            for table in ("volunteers", "volunteer_skills"):
                if table in got:
                    tables[table] = got[table]
                    labels[table] = got_labels[table].replace("upload.xlsx", name)
            problems += [Problem(name, p.line, p.column, p.message) for p in got_problems]
        elif name.lower().endswith((".csv", ".txt")):
            lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            if lines > VOLUNTEER_UPLOAD_LIMITS.max_rows:  # counted before pandas reads a line
                limit = f"{VOLUNTEER_UPLOAD_LIMITS.max_rows:,}"
                problems.append(
                    Problem(
                        name,
                        0,
                        "",
                        f"volunteers holds more than {limit} rows (the limit per sheet)",
                    )
                )
                continue
            csvs.append((name, data))
        else:
            problems.append(Problem(name, 0, "", _("不是 CSV 或 XLSX 文件")))
    for i, (name, data) in enumerate(csvs):
        # The first CSV holds volunteers, a second one their skills (or the one named so).
        table = "volunteer_skills" if (i == 1 or "skill" in name.lower()) else "volunteers"
        frame, got_problems = read_csv_as(folder, table, name, data)
        if frame is not None:
            tables[table] = frame
            labels[table] = name
        problems += got_problems
    if "volunteers" not in tables and not problems:
        problems.append(Problem("upload", 0, "", _("没有找到志愿者表（volunteers）")))
    if org_id and "volunteers" in tables and not problems:
        _complete(org_id, tables, labels)
    return tables, labels, problems


def _complete(org_id: str, tables: dict[str, pd.DataFrame], labels: dict[str, str]) -> None:
    """Fill in what the volunteer template lets a person leave empty.

    An empty ``volunteer_id`` gets a new id of this organization; empty ``lat``/``lon``/
    ``county`` the organization's own; the template's ``service_1..3`` columns (codes or Chinese
    labels, from drop-downs) become rows of ``volunteer_skills``, on the volunteer's line.
    """
    raw = tables["volunteers"].copy()
    lines = raw.attrs.get("lines")
    for column in ("volunteer_id", "lat", "lon", "county"):
        if column not in raw.columns:
            raw[column] = ""
        raw[column] = raw[column].fillna("").astype(str)
    empty = raw["volunteer_id"].str.strip() == ""
    if empty.any():
        taken = set(raw["volunteer_id"])
        fresh: list[str] = []
        while len(fresh) < int(empty.sum()):
            vid = new_volunteer_id(org_id)
            if vid not in taken:
                taken.add(vid)
                fresh.append(vid)
        raw.loc[empty, "volunteer_id"] = fresh
    org = one_row("organizations", org_id=org_id)
    if org is not None:
        for column in ("lat", "lon", "county"):
            raw.loc[raw[column].str.strip() == "", column] = str(org[column])
    skill_columns = [c for c in SKILL_COLUMNS if c in raw.columns]
    if skill_columns:
        numbers = line_numbers(tables["volunteers"])
        parts = [
            pd.DataFrame(
                {"volunteer_id": raw["volunteer_id"], "service": raw[c].fillna("").astype(str)}
            ).assign(line=numbers)
            for c in skill_columns
        ]
        skills = pd.concat(parts, ignore_index=True)
        skills = skills[skills["service"].str.strip() != ""]
        given = tables.get("volunteer_skills")
        if given is not None:
            given = given.assign(line=line_numbers(given))
            skills = pd.concat([given, skills], ignore_index=True)
        else:
            labels["volunteer_skills"] = labels["volunteers"]
        skills = skills.drop_duplicates(["volunteer_id", "service"])
        found = skills.pop("line").to_list()
        skills = skills.reset_index(drop=True)
        skills.attrs["lines"] = found
        tables["volunteer_skills"] = skills
        raw = raw.drop(columns=skill_columns)
    if lines is not None:
        raw.attrs["lines"] = lines
    tables["volunteers"] = raw


def _ownership_problems(
    org_id: str, raw: pd.DataFrame, skills: pd.DataFrame | None, labels: Mapping[str, str]
) -> list[Problem]:
    problems: list[Problem] = []
    label = labels.get("volunteers", "volunteers.csv")
    lines = np.arange(2, 2 + len(raw))
    others = raw["org_id"].str.strip() != org_id
    for line, value in zip(lines[others.to_numpy()], raw.loc[others, "org_id"], strict=True):
        problems.append(
            Problem(
                label,
                int(line),
                "org_id",
                _("只能导入本组织（%(org)s）的志愿者，不能是 %(value)s", org=org_id, value=value),
            )
        )
    stored = get_store().known_ids().get(("volunteers", "volunteer_id"), set())
    mine = set(rows("volunteers", org_id=org_id)["volunteer_id"])
    ids = raw.get("volunteer_id", pd.Series(dtype=object)).astype(str).str.strip()
    taken = ids.isin(stored - mine).to_numpy()
    for line, value in zip(lines[taken], ids[taken], strict=True):
        problems.append(
            Problem(
                label,
                int(line),
                "volunteer_id",
                _("编号 %(value)s 已是其他组织的志愿者", value=value),
            )
        )
    if skills is not None and "volunteer_id" in skills:
        s_ids = skills["volunteer_id"].astype(str).str.strip()
        foreign = (s_ids.isin(stored - mine) & ~s_ids.isin(set(ids))).to_numpy()
        s_label = labels.get("volunteer_skills", "volunteer_skills.csv")
        for line, value in zip(np.arange(2, 2 + len(skills))[foreign], s_ids[foreign], strict=True):
            problems.append(
                Problem(
                    s_label,
                    int(line),
                    "volunteer_id",
                    _("编号 %(value)s 已是其他组织的志愿者", value=value),
                )
            )
    return problems


def checked_upload(org_id: str, files: Sequence[tuple[str, bytes]]) -> Dataset:
    """A spreadsheet of volunteers for ``org_id`` read and checked, ready to import whole.

    An empty ``org_id`` cell means this organization; any other organization is refused, as is
    a volunteer id that already belongs to another organization. The import itself is
    :func:`webapp.services.volunteers.import_volunteers`.

    Raises
    ------
    ValidationError
        With every problem found.
    """
    with tempfile.TemporaryDirectory() as tmp:
        tables, labels, problems = _read_upload(files, Path(tmp), org_id)
    if problems:
        raise ValidationError(problems)
    raw = tables["volunteers"].copy()
    if "org_id" not in raw.columns:
        raw["org_id"] = ""
    raw["org_id"] = raw["org_id"].fillna("").astype(str)
    raw.loc[raw["org_id"].str.strip() == "", "org_id"] = org_id
    tables["volunteers"] = raw
    problems = _ownership_problems(org_id, raw, tables.get("volunteer_skills"), labels)
    store = get_store()
    omitted = 0  # problems found but not listed (at most 1,000 per column are)
    try:
        dataset = validate_tables(tables, labels, store.known_ids(), require_all=False)
    except ValidationError as exc:
        problems += exc.problems
        omitted = exc.total - len(exc.problems)
    if problems:
        raise ValidationError(problems, total=len(problems) + omitted)
    return Dataset(
        {"volunteers": dataset["volunteers"], "volunteer_skills": dataset["volunteer_skills"]}
    )
