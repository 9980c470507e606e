"""``python -m tests.support.refresh_screenshots``: the guides' pictures change only on purpose."""

from __future__ import annotations

from tests.support.refresh_screenshots import main


def test_new_and_changed_screenshots_are_copied_and_named(tmp_path, capsys):
    shots, docs = tmp_path / "artifacts", tmp_path / "docs"
    shots.mkdir()
    docs.mkdir()
    (shots / "login.png").write_bytes(b"new login")
    (shots / "same.png").write_bytes(b"same")
    (docs / "same.png").write_bytes(b"same")
    (docs / "kept.png").write_bytes(b"a picture no test takes any more")
    assert main(["--source", str(shots), "--dest", str(docs)]) == 0
    out = capsys.readouterr().out
    assert f"added    {docs / 'login.png'}" in out and "same.png" not in out
    assert (docs / "login.png").read_bytes() == b"new login"
    assert (docs / "kept.png").exists()  # never deleted: a guide may still show it

    (shots / "login.png").write_bytes(b"newer login")
    assert main(["--source", str(shots), "--dest", str(docs)]) == 0
    assert f"changed  {docs / 'login.png'}" in capsys.readouterr().out


def test_without_screenshots_it_says_how_to_take_them(tmp_path, capsys):
    assert main(["--source", str(tmp_path / "none"), "--dest", str(tmp_path / "docs")]) == 1
    assert "run the browser tests first" in capsys.readouterr().err
