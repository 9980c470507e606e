"""One settings object: how the environment and the options resolve, and one store per instance
folder for every command (import, export, recommend, serve, the site)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graph_schema.contract.interchange import read_data, write_data
from tests.test_store_contract import small_world
from webapp import create_app, current_settings
from webapp.cli import main
from webapp.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def test_the_environment_and_the_options_resolve_in_one_order(tmp_path):
    env = {
        "BAOTUAN_INSTANCE": str(tmp_path / "a"),
        "BAOTUAN_DATABASE_URL": "postgresql://db/baotuan",
        "BAOTUAN_REDIS_URL": "redis://queue:6379/0",
        "BAOTUAN_PROXY_COUNT": "1",
        "BAOTUAN_SECURE_COOKIES": "1",
        "NEO4J_PASSWORD": "pw",
    }
    s = Settings.from_env(env)
    assert s.store == str(tmp_path / "a" / "baotuan.sqlite")
    assert (s.database_url, s.redis_url) == ("postgresql://db/baotuan", "redis://queue:6379/0")
    assert (s.proxy_count, s.secure_cookies, s.credentials.password) == (1, True, "pw")
    limited = Settings.from_env({"BAOTUAN_MAX_UNPACKED_MB": "64", "BAOTUAN_MAX_SHEET_ROWS": "5000"})
    assert (limited.read_limits.unpacked_text, limited.read_limits.max_rows) == ("64 MB", 5000)
    # An option beats the environment; the store follows the instance folder...
    moved = Settings.from_env(env, instance=tmp_path / "b", store=None)
    assert moved.store == str(tmp_path / "b" / "baotuan.sqlite")
    # ...unless a store is named.
    named = Settings.from_env({**env, "BAOTUAN_STORE": "bolt://db:7687"}, instance=tmp_path / "b")
    assert named.store == "bolt://db:7687"
    assert "pw" not in repr(s)  # settings get logged; the password never is


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BAOTUAN_PROXY_COUNT", "two", "BAOTUAN_PROXY_COUNT: 'two' is not a whole number"),
        ("BAOTUAN_PROXY_COUNT", "-1", "BAOTUAN_PROXY_COUNT: -1 is below 0"),
        ("BAOTUAN_SECURE_COOKIES", "maybe", "BAOTUAN_SECURE_COOKIES: 'maybe' is not 1 or 0"),
        ("BAOTUAN_NEO4J_IMPORT_WAIT", "soon", "BAOTUAN_NEO4J_IMPORT_WAIT: 'soon' is not a number"),
        ("BAOTUAN_MAX_SHEET_ROWS", "1", "BAOTUAN_MAX_SHEET_ROWS: 1 is below 2"),
    ],
)
def test_a_bad_value_is_named(variable, value, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert str(caught.value) == message


def test_a_bad_value_stops_a_command_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BAOTUAN_PROXY_COUNT", "lots")
    assert main(["export", str(tmp_path / "out"), "--instance", str(tmp_path)]) == 2
    assert "baotuan export: BAOTUAN_PROXY_COUNT: 'lots' is not a whole number" in (
        capsys.readouterr().err
    )


def test_the_site_reads_its_settings_object(tmp_path):
    settings = Settings(instance=tmp_path / "site", secret_key="k", page_size=7, locale="en")
    app = create_app(settings)
    try:
        assert app.config["STORE"] == str(tmp_path / "site" / "baotuan.sqlite")
        assert (app.config["SECRET_KEY"], app.config["PAGE_SIZE"]) == ("k", 7)
        with app.app_context():
            assert current_settings() is settings
        page = app.test_client().get("/login")
        assert page.status_code == 200 and 'lang="en"' in page.get_data(as_text=True)
    finally:
        app.extensions["baotuan_store"].close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_command_uses_the_store_of_its_instance_folder(tmp_path, monkeypatch):
    """Import into --instance X; export, recommend, the site and `baotuan serve` read the same."""
    monkeypatch.delenv("BAOTUAN_STORE", raising=False)
    monkeypatch.chdir(tmp_path)  # ./instance must stay untouched
    world = small_world()
    write_data(world, tmp_path / "data")
    instance = tmp_path / "X"
    assert main(["import", str(tmp_path / "data"), "--instance", str(instance)]) == 0
    assert (instance / "baotuan.sqlite").exists()

    # The option before the command name works too.
    assert main(["--instance", str(instance), "export", str(tmp_path / "out")]) == 0
    assert read_data(tmp_path / "out").counts() == world.counts()

    assert main(["recommend", "--instance", str(instance), "-o", str(tmp_path / "r.json")]) == 0
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["summary"]["villages"] == len(world["villages"])

    app = create_app(Settings.from_env(instance=instance))
    try:
        assert app.extensions["baotuan_store"].counts() == world.counts()
    finally:
        app.extensions["baotuan_store"].close()

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOTUAN_")}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "baotuan"), "serve", "--instance", str(instance)]
        + ["--port", str(port), "--threads", "2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        while line and "Baotuan is at" not in line:
            line = server.stderr.readline()
        assert f"store: {instance / 'baotuan.sqlite'}" in line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
                    assert page.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "baotuan serve did not answer"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (tmp_path / "instance").exists()
