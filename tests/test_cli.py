"""The `pms` console script: each command builds the app it needs (pages and API only where served)."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import pms.cli
from pms.core import periods

PMS = str(Path(sys.executable).with_name("pms"))


def test_only_the_web_commands_build_the_pages_and_the_api(app, monkeypatch):
    built = []

    def create_app(test_config=None, *, web=True):
        built.append(web)
        return app

    monkeypatch.setattr(pms.cli, "create_app", create_app)
    runner = CliRunner()
    assert runner.invoke(pms.cli.cli, ["routes"]).exit_code == 0
    done = runner.invoke(pms.cli.cli, ["audit", "verify"])
    assert done.exit_code == 0, done.output
    assert built == [True, False]


def _pms(env: dict, *args: str) -> str:
    done = subprocess.run([PMS, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pms {' '.join(args)}:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_console_script_works_end_to_end_without_the_web_part(tmp_path):
    """The real script, as cron or an operator runs it: a web-less app loads, bills and prints."""
    env = {**os.environ, "PMS_DATABASE_URL": f"sqlite:///{tmp_path}/pms.sqlite3", "PMS_INSTANCE_DIR": str(tmp_path),
           "LANG": "C"}
    env.pop("PMS_TEST_TODAY", None)
    _pms(env, "db", "upgrade")
    _pms(env, "demo", "load")
    with sqlite3.connect(tmp_path / "pms.sqlite3") as conn:
        (estate, last), = conn.execute("SELECT e.code, MAX(b.period) FROM bill b JOIN estate e ON e.id = b.estate_id"
                                       " GROUP BY e.code").fetchall()
    following = periods.add_months(last, 1)
    said = _pms(env, "billing", "run", "--period", following)
    with sqlite3.connect(tmp_path / "pms.sqlite3") as conn:
        bills = conn.execute("SELECT COUNT(*) FROM bill WHERE period = ?", (following,)).fetchone()[0]
    assert bills > 0 and f"period {following}: 1 estates, {bills} bills created" in said
    _pms(env, "statements", "print", "--estate", estate, "--period", following, "--out", str(tmp_path / "out"),
         "--building", "1")
    assert [p.read_bytes()[:5] for p in (tmp_path / "out").glob("*.pdf")] == [b"%PDF-"]
    assert "/api/v1/openapi.json" in _pms(env, "routes")
