"""`pms backup` and `pms restore`: the demo round-trips with every table's row count and the audit
chain's head; a database that is not empty is never overwritten."""
from __future__ import annotations

import os
import re
import shutil
import stat

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from pms import create_app
from pms.cli import cli
from pms.core.backup import _libpq
from pms.core.db import make_engine
from pms.core.migrate import upgrade
from tests.spare_database import spare_database


def _needs_pg_tools(database_url: str) -> None:
    """Skip without pg_dump/pg_restore on a developer's machine; fail under CI, where they must be."""
    if not database_url.startswith("postgresql"):
        return
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not on PATH (Debian: postgresql-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def target(database_url, tmp_path):
    """An app on a second, empty database: where backups are restored."""
    with spare_database(database_url, tmp_path) as url:
        app = create_app({"DATABASE_URL": url, "TESTING": True, "PMS_ENV": "testing",
                          "INSTANCE_DIR": str(tmp_path / "target-instance")})
        yield app
        app.extensions["pms_engine"].dispose()


def _invoke(app, *args):
    """`pms ARGS` against `app`, in English as from a terminal with LANG=C (like the runner fixture)."""
    from pms.core.i18n import set_outside_request_locale

    set_outside_request_locale("en")
    try:
        return app.test_cli_runner().invoke(cli, list(args))
    finally:
        set_outside_request_locale(None)


def _snapshot(url: str) -> tuple[dict[str, int], str]:
    """Every table's row count and the audit chain's head (the last entry's hash)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            quote = conn.dialect.identifier_preparer.quote
            counts = {name: conn.execute(text(f"SELECT COUNT(*) FROM {quote(name)}")).scalar_one()
                      for name in sorted(inspect(conn).get_table_names())}
            head = conn.execute(text("SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1")).scalar_one()
    finally:
        engine.dispose()
    return counts, head


def _backup(runner, out_dir) -> str:
    result = runner.invoke(args=["backup", "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    written = sorted(os.listdir(out_dir))
    assert len(written) == 1, written  # one file: no .part, no -wal/-shm left behind
    path = str(out_dir / written[0])
    assert path in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # owners' phones and ID numbers inside
    return path


def test_the_demo_round_trips(app, runner, database_url, target, tmp_path):
    _needs_pg_tools(database_url)
    loaded = runner.invoke(args=["demo", "load", "--households", "40", "--seed", "7"])
    assert loaded.exit_code == 0, loaded.output
    before = _snapshot(database_url)
    assert min(before[0][t] for t in ("room", "bill", "journal_entry", "audit_entry", "user_account")) > 0

    path = _backup(runner, tmp_path / "backups")
    suffix = r"\.sqlite3" if database_url.startswith("sqlite") else r"\.dump"
    assert re.fullmatch(r"pms-\d{8}T\d{6}Z" + suffix, os.path.basename(path))

    restored = _invoke(target, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert "ok    audit_chain" in restored.output and "FAIL" not in restored.output
    assert _snapshot(target.config["DATABASE_URL"]) == before

    # Neither the restored database nor the original (not empty) is overwritten.
    for app_, url in ((target, target.config["DATABASE_URL"]), (app, database_url)):
        again = _invoke(app_, "restore", path)
        assert again.exit_code == 1
        assert "is not empty" in again.output and "audit_entry" in again.output
    assert _snapshot(database_url) == before


def test_restore_into_a_migrated_empty_database(app, runner, world, database_url, target, tmp_path):
    """A database where `pms db upgrade` ran (its only rows: reference data) counts as empty."""
    _needs_pg_tools(database_url)
    before = _snapshot(database_url)
    path = _backup(runner, tmp_path / "backups")
    upgrade(target.config["DATABASE_URL"])

    restored = _invoke(target, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert _snapshot(target.config["DATABASE_URL"]) == before


def test_a_tampered_chain_fails_the_restore(app, runner, world, database_url, target, tmp_path):
    _needs_pg_tools(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1"))
    engine.dispose()
    path = _backup(runner, tmp_path / "backups")

    restored = _invoke(target, "restore", path)
    assert restored.exit_code == 1
    assert "FAIL  audit_chain: audit_entry seq=1" in restored.output


def test_restore_refuses_what_is_not_a_backup_of_this_engine(app, target, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = _invoke(target, "restore", str(junk))
    assert result.exit_code == 1
    assert "is not a pms backup" in result.output

    other = tmp_path / ("other.dump" if target.config["DATABASE_URL"].startswith("sqlite") else "other.sqlite3")
    other.write_bytes(b"PGDMP" + b"\0" * 64 if other.suffix == ".dump" else b"SQLite format 3\x00" + b"\0" * 84)
    result = _invoke(target, "restore", str(other))
    assert result.exit_code == 1
    assert "is a backup of a" in result.output

    damaged = tmp_path / "damaged"
    sqlite = target.config["DATABASE_URL"].startswith("sqlite")
    damaged.write_bytes((b"SQLite format 3\x00" if sqlite else b"PGDMP") + b"\xff" * 200)
    result = _invoke(target, "restore", str(damaged))
    assert result.exit_code == 1
    assert ("The backup file is damaged" if sqlite else "is not a readable pg_dump archive") in result.output

    missing = _invoke(target, "restore", str(tmp_path / "nothing.dump"))
    assert missing.exit_code == 1 and "No backup file" in missing.output


def test_pg_tools_get_the_password_in_the_environment_only():
    engine = make_engine("postgresql+psycopg://pms:s3cr%40t@db.example:5433/pms?sslmode=require")
    try:
        dsn, env = _libpq(engine)
    finally:
        engine.dispose()
    assert "s3cr" not in dsn
    assert make_url(dsn).drivername == "postgresql"
    assert (make_url(dsn).host, make_url(dsn).port, make_url(dsn).query["sslmode"]) == ("db.example", 5433, "require")
    assert env["PGPASSWORD"] == "s3cr@t"


def test_missing_pg_tools_fail_under_ci_and_skip_elsewhere(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _needs_pg_tools("postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _needs_pg_tools("postgresql+psycopg://postgres@127.0.0.1/test")
    _needs_pg_tools("sqlite:///x.sqlite3")  # SQLite needs no tool

