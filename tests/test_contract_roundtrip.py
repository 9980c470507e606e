"""Import, export and re-import: the sample city comes back row for row, as CSV and as XLSX."""

from __future__ import annotations

import csv
import shutil

import pytest

from graph_schema import ValidationError, read_data
from graph_schema.contract.interchange import write_data
from graph_schema.operations import import_path
from webapp.cli import main


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_export_equals_the_input_row_for_row(sqlite_store, sample_dir, tmp_path):
    import_path(sqlite_store, sample_dir)
    out = write_data(sqlite_store.load_dataset(), tmp_path / "out")
    assert read_data(out).equals(read_data(sample_dir))
    # cell by cell on the contract's columns, numbers compared as numbers
    for name in ("villages", "needs", "organizations", "reviews", "partnerships"):
        original = sorted(_rows(sample_dir / f"{name}.csv"), key=lambda r: tuple(r.values()))
        exported = sorted(
            _rows(out / f"{name}.csv"), key=lambda r: tuple(r[k] for k in original[0])
        )
        assert len(original) == len(exported)
        for a, b in zip(original, exported, strict=True):
            for key, value in a.items():
                try:
                    assert float(value) == float(b[key])
                except ValueError:
                    assert value == b[key], (name, key)


def test_xlsx_import_and_export(sqlite_store, sample_dir, tmp_path):
    book = write_data(read_data(sample_dir), tmp_path / "taian.xlsx")
    import_path(sqlite_store, book)
    out = write_data(sqlite_store.load_dataset(), tmp_path / "back.xlsx")
    assert read_data(out).equals(read_data(sample_dir))


def test_second_import_changes_nothing(sqlite_store, sample_dir):
    first = import_path(sqlite_store, sample_dir)
    before = sqlite_store.load_dataset().as_text(extra=True)
    second = import_path(sqlite_store, sample_dir)
    assert first.total_changed == sum(first.rows.values())
    assert second.total_changed == 0
    assert sqlite_store.load_dataset().as_text(extra=True) == before


def test_damaged_copy_is_refused_and_nothing_changes(sqlite_store, sample_dir, tmp_path):
    """The acceptance case: severity 7, unknown service, duplicate org id, latitude 200."""
    import_path(sqlite_store, sample_dir)
    before = write_data(sqlite_store.load_dataset(), tmp_path / "before")

    damaged = tmp_path / "damaged"
    shutil.copytree(sample_dir, damaged)
    text = (damaged / "needs.csv").read_text(encoding="utf-8-sig").splitlines()
    text[1] = "V000000,elder_care,7"
    text[2] = "V000000,donation,3".replace("donation", "karaoke")
    (damaged / "needs.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    orgs = (damaged / "organizations.csv").read_text(encoding="utf-8-sig").splitlines()
    orgs[5] = "O000000" + orgs[5][len("O000004") :]
    (damaged / "organizations.csv").write_text("\n".join(orgs) + "\n", encoding="utf-8")
    villages = (damaged / "villages.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = villages[3].split(",")
    cells[4] = "200"
    villages[3] = ",".join(cells)
    (damaged / "villages.csv").write_text("\n".join(villages) + "\n", encoding="utf-8")

    with pytest.raises(ValidationError) as info:
        import_path(sqlite_store, damaged)
    shown = [str(p) for p in info.value.problems]
    assert any(s.startswith("needs.csv:2: severity: 7 is outside 1..5") for s in shown)
    assert any(s.startswith("needs.csv:3: service: unknown service code 'karaoke'") for s in shown)
    assert any(
        s.startswith("organizations.csv:6: org_id: duplicate org_id='O000000'") for s in shown
    )
    assert any(s.startswith("villages.csv:4: lat: 200 is outside 3.5..54") for s in shown)

    after = write_data(sqlite_store.load_dataset(), tmp_path / "after")
    for file in before.iterdir():
        assert file.read_bytes() == (after / file.name).read_bytes(), file.name


def test_references_may_point_at_stored_ids(sqlite_store, sample_dir, tmp_path):
    import_path(sqlite_store, sample_dir)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "villages.csv").write_text(
        "village_id,name,county,lat,lon\nV900000,新村,泰山区,36.2,117.1\n", encoding="utf-8"
    )
    (extra / "needs.csv").write_text(
        "village_id,service,severity\nV000000,livelihood,2\nV900000,medical,4\n", encoding="utf-8"
    )
    (extra / "organizations.csv").write_text(
        "org_id,name,kind,county,lat,lon,max_villages\n", encoding="utf-8"
    )
    (extra / "capabilities.csv").write_text(
        "org_id,service,level\nO000000,livelihood,3\n", encoding="utf-8"
    )
    report = import_path(sqlite_store, extra)
    assert report.changed["needs"] == 2 and report.changed["capabilities"] == 1


def test_cli_import_export_and_refusal(tmp_path, sample_dir, capsys):
    store = str(tmp_path / "cli.sqlite")
    assert main(["--store", store, "import", str(sample_dir)]) == 0
    assert "34445 rows" in capsys.readouterr().err
    assert main(["--store", store, "export", str(tmp_path / "out.xlsx")]) == 0
    assert read_data(tmp_path / "out.xlsx").equals(read_data(sample_dir))
    broken = tmp_path / "broken"
    shutil.copytree(sample_dir, broken)
    (broken / "villages.csv").unlink()
    assert main(["--store", store, "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "villages.csv: required file is missing" in err and "Traceback" not in err


def test_store_chosen_by_environment(tmp_path, sample_dir, monkeypatch):
    monkeypatch.setenv("BAOTUAN_STORE", str(tmp_path / "env.sqlite"))
    assert main(["import", str(sample_dir)]) == 0
    assert (tmp_path / "env.sqlite").exists()
