"""Spreadsheets in (issue 12, point 4): what officers and organizations really send is read right.

GBK CSV as Excel on a Chinese Windows saves it, Chinese service labels, coordinates outside China,
the new activity files, workbooks that lie about their size, and workbooks that unpack to 1 GB.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from graph_schema import ValidationError, read_data
from graph_schema.contract.interchange import read_raw, write_data
from graph_schema.contract.limits import ReadLimits, check_workbook
from graph_schema.operations import import_path
from graph_schema.store import SqliteGraphStore

from .support.bombs import SITE_UPLOAD, run_measured, unpacking_workbook

ROOT = Path(__file__).resolve().parent.parent


def _problems(folder) -> list[str]:
    with pytest.raises(ValidationError) as info:
        read_data(folder)
    return [str(p) for p in info.value.problems]


def _edit(folder: Path, name: str, line: int, column: str, value: str) -> None:
    path = folder / f"{name}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[line - 2, column] = value
    frame.to_csv(path, index=False)


# -- encodings ----------------------------------------------------------------------------------
def _gbk_twin(folder: Path, dest: Path, bom: bool = False) -> Path:
    dest.mkdir()
    for csv in folder.glob("*.csv"):
        text = csv.read_text(encoding="utf-8-sig")
        (dest / csv.name).write_bytes(text.encode("gb18030"))
    return dest


def test_a_gbk_folder_imports_exactly_like_its_utf8_twin(sample_copy, tmp_path):
    gbk = _gbk_twin(sample_copy, tmp_path / "gbk")
    assert (gbk / "villages.csv").read_bytes() != (sample_copy / "villages.csv").read_bytes()
    store = SqliteGraphStore(tmp_path / "twin.sqlite")
    try:
        first = import_path(store, sample_copy, actor="test")
        utf8 = store.load_dataset()
        again = import_path(store, gbk, actor="test")  # the same world: nothing changes
        assert first.total_changed > 0 and again.total_changed == 0
        assert again.rows == first.rows
        gbk_world = store.load_dataset()
    finally:
        store.close()
    for name in utf8.counts():
        pd.testing.assert_frame_equal(utf8.sorted_table(name), gbk_world.sorted_table(name))
    assert "易洼村" in set(read_data(gbk)["villages"]["name"]) | {"易洼村"}
    names = set(read_data(gbk)["villages"]["name"])
    assert names == set(utf8["villages"]["name"]) and any(
        re.search("[\u4e00-\u9fff]", n) for n in names
    )


def test_utf8_with_and_without_bom_read_the_same(sample_copy):
    path = sample_copy / "needs.csv"
    plain = read_data(sample_copy)["needs"]
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    pd.testing.assert_frame_equal(plain, read_data(sample_copy)["needs"])


# -- service labels, coordinates --------------------------------------------------------------
def test_service_labels_read_as_codes_and_export_as_codes(sample_copy, tmp_path):
    from graph_schema import ORG_KIND_LABELS_ZH, SERVICE_LABELS_ZH

    coded = read_data(sample_copy)
    for name, column, labels in (
        ("needs", "service", SERVICE_LABELS_ZH),
        ("capabilities", "service", SERVICE_LABELS_ZH),
        ("organizations", "kind", ORG_KIND_LABELS_ZH),
    ):
        path = sample_copy / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame[column] = frame[column].map(labels)  # 关爱老人 where elder_care was
        frame.to_csv(path, index=False)
    assert "关爱老人" in (sample_copy / "needs.csv").read_text(encoding="utf-8")
    labelled = read_data(sample_copy)
    for name in ("needs", "capabilities", "organizations"):
        pd.testing.assert_frame_equal(coded[name], labelled[name])
    out = write_data(labelled, tmp_path / "out")
    assert "关爱老人" not in (out / "needs.csv").read_text(encoding="utf-8")
    assert "elder_care" in (out / "needs.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "lat, lon, column",
    [("0", "0", "lat"), ("117.1", "36.2", "lat"), ("-33.87", "151.21", "lat")],
    ids=["zero-zero", "swapped", "sydney"],
)
def test_a_village_outside_china_is_a_problem_of_its_line(sample_copy, lat, lon, column):
    _edit(sample_copy, "villages", 5, "lat", lat)
    _edit(sample_copy, "villages", 5, "lon", lon)
    problems = _problems(sample_copy)
    assert any(
        p.startswith(f"villages.csv:5: {column}: {lat} is outside 3.5..54") for p in problems
    )
    assert all(p.startswith("villages.csv:5: ") for p in problems), problems


# -- activities (new optional files) ------------------------------------------------------------
def test_activity_files_are_checked_and_accepted(sample_copy):
    ds = read_data(sample_copy)
    village, org = ds["villages"]["village_id"].iloc[0], ds["organizations"]["org_id"].iloc[0]
    volunteer = ds["volunteers"]["volunteer_id"].iloc[0]
    (sample_copy / "activities.csv").write_text(
        "activity_id,village_id,org_id,service,date,beneficiaries,value_yuan,note\n"
        f"A1,{village},{org},走访慰问,2020-05-01,30,1200,入户走访\n"
        f"A2,{village},{org},medical,2020-06-01,,,\n",
        encoding="utf-8",
    )
    (sample_copy / "activity_volunteers.csv").write_text(
        f"activity_id,volunteer_id,hours\nA1,{volunteer},3.5\n", encoding="utf-8"
    )
    # accepted, and part of the Dataset (stored since issue 15)
    expected = {**ds.counts(), "activities": 2, "activity_volunteers": 1}
    assert read_data(sample_copy).counts() == expected
    (sample_copy / "activity_volunteers.csv").write_text(
        f"activity_id,volunteer_id,hours\nA9,{volunteer},0\nA1,NOBODY,25\n", encoding="utf-8"
    )
    problems = _problems(sample_copy)
    assert "activity_volunteers.csv:2: activity_id: unknown activity 'A9'" in problems
    assert any(
        p.startswith("activity_volunteers.csv:2: hours: 0 is outside 0..24") for p in problems
    )
    assert any(p.startswith("activity_volunteers.csv:3: hours: 25 is outside") for p in problems)
    assert "activity_volunteers.csv:3: volunteer_id: unknown volunteer 'NOBODY'" in problems


# -- truthful counts ----------------------------------------------------------------------------
def test_a_refusal_counts_every_problem_not_only_those_listed(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    rows = "".join(f"V{i},村{i},泰山区,north,117\n" for i in range(2500))
    (folder / "villages.csv").write_text("village_id,name,county,lat,lon\n" + rows)
    with pytest.raises(ValidationError) as info:
        read_data(folder, require_all=False)
    assert info.value.total == 2500 and len(info.value.problems) == 1000
    assert str(info.value).startswith("refused: 2,500 problem(s), 1,000 listed")


# -- workbooks: whole, and never too large -------------------------------------------------------
def _workbook_with_dimension(folder: Path, path: Path, declared: str) -> Path:
    write_data(read_data(folder), path)
    patched = path.with_name("lying-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{declared}"'.encode(), data
                )
                if b"<dimension" not in data:  # write-only workbooks leave it out: put it in
                    data = data.replace(
                        b"<sheetData", f'<dimension ref="{declared}"/><sheetData'.encode(), 1
                    )
            dst.writestr(info, data)
    return patched


def test_a_workbook_lying_about_its_dimension_is_read_whole(sample_dir, tmp_path):
    lying = _workbook_with_dimension(sample_dir, tmp_path / "world.xlsx", "A1:H10")
    from openpyxl import load_workbook

    # what openpyxl's read-only mode alone makes of it: the first 9 villages
    book = load_workbook(lying, read_only=True)
    assert len(list(book["villages"].iter_rows())) == 10
    book.close()
    whole = read_data(lying)
    assert whole.counts() == read_data(sample_dir).counts()
    assert whole.counts()["villages"] == 300


_bomb = unpacking_workbook


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    path = _bomb(tmp_path_factory.mktemp("bomb") / "泰安数据.xlsx")
    assert path.stat().st_size < 9 * 1024 * 1024
    return path


def test_limits_are_checked_before_parsing(tmp_path, bomb):
    problems = check_workbook(bomb, "泰安数据.xlsx", ReadLimits())
    assert [str(p) for p in problems] == [
        "泰安数据.xlsx: unpacks to more than 256 MB (the limit for one workbook); "
        "split it, or import CSV files from the command line"
    ]
    small = _bomb(tmp_path / "small.xlsx", unpacked=32 * 1024 * 1024)
    assert check_workbook(small, "small.xlsx", ReadLimits()) == []
    rows = check_workbook(small, "small.xlsx", ReadLimits(max_rows=1))
    assert [p.message for p in rows] == ["sheet1.xml holds more than 1 rows (the limit per sheet)"]
    tables, _labels, found = read_raw(small, ReadLimits(max_unpacked_bytes=16 * 1024 * 1024))
    assert tables == {} and "unpacks to more than 16 MB" in found[0].message


def test_a_workbook_lying_about_its_unpacked_size_is_refused_unread(tmp_path):
    liar = _bomb(tmp_path / "liar.xlsx", unpacked=64 * 1024 * 1024, claimed=2000)
    with zipfile.ZipFile(liar) as zf:
        assert sum(i.file_size for i in zf.infolist()) < 100_000  # what it states
    problems = check_workbook(liar, "liar.xlsx", ReadLimits(max_unpacked_bytes=16 * 1024 * 1024))
    assert len(problems) == 1 and problems[0].file == "liar.xlsx"
    # zipfile unpacks no more than the stated size, then finds the checksum wrong
    assert problems[0].message.startswith("is not a readable .xlsx workbook: Bad CRC-32")
    with pytest.raises(ValidationError) as info:
        read_data(liar, require_all=False)
    assert str(info.value.problems[0]).startswith("liar.xlsx: ")


def _peak(command: list[str], env=None) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``command``; return its result and the peak memory (MiB) of the process it started."""
    done, peak, _seconds = run_measured(command, env)
    return done, peak


def test_a_workbook_unpacking_to_1gb_is_refused_by_the_command_line(bomb, tmp_path):
    baotuan = shutil.which("baotuan") or str(ROOT / ".venv" / "bin" / "baotuan")
    done, peak = _peak([baotuan, "--store", str(tmp_path / "s.sqlite"), "import", str(bomb)])
    assert done.returncode == 1, done.stderr
    assert "泰安数据.xlsx: unpacks to more than 256 MB" in done.stderr
    assert "Traceback" not in done.stderr
    assert peak < 500, f"peak memory {peak:.0f} MiB"


@pytest.mark.parametrize(
    "url, field, user, limit",
    [
        ("/admin/imports", "data", "admin", "256 MB"),
        ("/organization/volunteers/upload", "files", "org", "32 MB"),
    ],
    ids=["admin-import", "volunteer-upload"],
)
def test_a_workbook_unpacking_to_1gb_is_refused_by_the_site(
    bomb, tmp_path, seeded_store_file, url, field, user, limit
):
    store = tmp_path / "site.sqlite"
    shutil.copy(seeded_store_file, store)
    done, peak = _peak([sys.executable, "-c", SITE_UPLOAD, str(store), str(bomb), url, field, user])
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] in (400, 422)
    assert f"泰安数据.xlsx: 解压后超过 {limit}" in result["html"]  # in Chinese on the Chinese site
    assert peak < 500, f"peak memory {peak:.0f} MiB"


def test_a_volunteer_csv_over_the_row_limit_is_refused_before_it_is_read(client, app):
    from tests.webapp_fixtures import login

    rows = "".join(f"P{i},志愿者{i},36.2,117.1\n" for i in range(100_001))
    response = login(client, "org").post(
        "/organization/volunteers/upload",
        data={"files": (io.BytesIO(("volunteer_id,name,lat,lon\n" + rows).encode()), "名单.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "名单.csv: 工作表 volunteers 超过 100,001 行（每张工作表的上限）" in html
