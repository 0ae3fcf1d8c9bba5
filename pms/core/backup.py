"""Backups of the whole database and restores into an empty one (`pms backup`, `pms restore`).

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`), a consistent copy taken while
the service runs (in WAL mode readers never block writers), into one self-contained file.
PostgreSQL: `pg_dump -Fc` / `pg_restore` (at least the server's major version: an older pg_dump
refuses), given the connection as a libpq URL without the password (the password travels in
PGPASSWORD, so it is neither on a command line nor in any message).

A database is empty when none of its tables has a row, except `alembic_version` and the tables
of reference data (`Table.info["reference_data"]`, e.g. the administrative divisions): a freshly
migrated database is empty. Restoring replaces such a schema by the backup's.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError

from pms.core.db import metadata

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Tables whose rows never make a database "not empty".
ALWAYS_IGNORED = frozenset({"alembic_version"})


class BackupError(Exception):
    """A backup or restore that cannot be done; `message` says why (never with a password)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Restored:
    """What `restore` did: the backup's schema revision and whether the code expects it."""

    revisions: frozenset[str]
    at_head: bool


def backup(engine: Engine, out_dir: Path, *, now: Optional[datetime] = None) -> Path:
    """Write a backup of the engine's database into `out_dir`; the path written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Wall-clock UTC, not the business clock: the name records when the copy was taken.
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    if engine.dialect.name == "sqlite":
        try:
            return _sqlite_backup(_sqlite_path(engine), out_dir, stamp)
        except sqlite3.Error as exc:
            raise BackupError(_("The configured database refused: %(error)s", error=str(exc))) from exc
    if engine.dialect.name == "postgresql":
        return _pg_backup(engine, out_dir, stamp)
    raise BackupError(_("Backups of %(engine)s databases are not supported.", engine=engine.dialect.name))


def restore(engine: Engine, source: Path) -> Restored:
    """Restore a backup file into the engine's database, which must be empty."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("No backup file %(path)s.", path=str(source)))
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    kind = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head.startswith(PG_DUMP_MAGIC) else None
    if kind is None:
        raise BackupError(_("%(path)s is not a pms backup (neither an SQLite file nor a pg_dump archive).",
                            path=str(source)))
    if kind != engine.dialect.name:
        raise BackupError(_("%(path)s is a backup of a %(kind)s database; the configured database is %(engine)s.",
                            path=str(source), kind=kind, engine=engine.dialect.name))
    try:
        if kind == "sqlite":
            _sqlite_restore(engine, source)
        else:
            _pg_restore(engine, source)
    except DBAPIError as exc:  # unreachable, locked (a running service), refused
        raise BackupError(_("The configured database refused: %(error)s", error=str(exc.orig).strip())) from exc
    # Pooled connections may hold plans or pages of the schema that was replaced.
    engine.dispose()
    return _revision_state(engine)


def tables_with_rows(connection) -> list[str]:
    """Tables holding rows that make the database not empty (see the module docstring)."""
    reference = {t.name for t in metadata.tables.values() if t.info.get("reference_data")}
    quote = connection.dialect.identifier_preparer.quote
    found = []
    for name in sorted(inspect(connection).get_table_names()):
        if name in ALWAYS_IGNORED or name in reference:
            continue
        if connection.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first() is not None:
            found.append(name)
    return found


def _refuse_not_empty(tables: list[str]) -> None:
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise BackupError(_("The configured database is not empty (rows in %(tables)s); "
                            "restore only into an empty database.", tables=shown))


def _revision_state(engine: Engine) -> Restored:
    from alembic.script import ScriptDirectory

    from pms.core.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    with engine.connect() as connection:
        # Read directly: a MigrationContext would log its set-up on every restore.
        current = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return Restored(revisions=frozenset(current), at_head=current == heads)


# ---- SQLite ------------------------------------------------------------------------------

def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."))
    return Path(database)


def _reserve(out_dir: Path, stamp: str, suffix: str) -> tuple[Path, Path]:
    """A free name `pms-<stamp>[-N]<suffix>` and its partial file, created empty, mode 0600."""
    # 0600: a backup holds owners' phones and ID numbers. O_EXCL: two backups started in the
    # same second never share a file.
    n = 1
    while True:
        target = out_dir / (f"pms-{stamp}{suffix}" if n == 1 else f"pms-{stamp}-{n}{suffix}")
        partial = target.with_name(target.name + ".part")
        if not target.exists():
            try:
                os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                return target, partial
            except FileExistsError:
                pass
        n += 1


def _sqlite_backup(path: Path, out_dir: Path, stamp: str) -> Path:
    if not path.is_file():
        raise BackupError(_("The database file %(path)s does not exist.", path=str(path)))
    target, partial = _reserve(out_dir, stamp, ".sqlite3")
    try:
        with contextlib.closing(sqlite3.connect(path)) as source, \
                contextlib.closing(sqlite3.connect(partial)) as destination:
            # One step (pages=-1): one read snapshot, so the copy is consistent; writers go on.
            source.backup(destination)
            # The copy carries the source's WAL flag; a rollback journal makes it one
            # self-contained file that opens read-only without -wal/-shm companions.
            destination.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # Renamed only when complete: a crash never leaves a file that looks like a backup.
    os.replace(partial, target)
    return target


def _sqlite_restore(engine: Engine, source: Path) -> None:
    path = _sqlite_path(engine)
    if path.exists():
        with engine.connect() as connection:
            _refuse_not_empty(tables_with_rows(connection))
    engine.dispose()  # this process's connections must not keep the old pages
    with contextlib.closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as backup_file:
        try:
            problem = backup_file.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:  # "file is not a database": a damaged header
            problem = str(exc)
        if problem != "ok":
            raise BackupError(_("The backup file is damaged: %(problem)s", problem=problem))
        if backup_file.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone() is None:
            raise BackupError(_("%(path)s is not a pms backup (no alembic_version table).", path=str(source)))
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(path)) as target:
            # The backup API replaces every page of the target: its old (empty) schema goes too.
            backup_file.backup(target)


# ---- PostgreSQL --------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(_("%(tool)s was not found; install the PostgreSQL client of the server's "
                            "version (Debian: postgresql-client).", tool=name))
    return tool


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL of the engine's database without its password, and the environment with it."""
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # URL.create, not url.set(password=None): set() reads None as "leave as it is".
    dsn = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                     database=url.database, query=url.query).render_as_string(hide_password=False)
    return dsn, env


def _run(command: list[str], env: dict[str, str], failure: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{failure}\n{result.stderr.strip()}")


def _pg_backup(engine: Engine, out_dir: Path, stamp: str) -> Path:
    pg_dump = _pg_tool("pg_dump")
    dsn, env = _libpq(engine)
    target, partial = _reserve(out_dir, stamp, ".dump")
    try:
        _run([pg_dump, "--format=custom", "--file", str(partial), "--dbname", dsn], env,
             _("pg_dump failed (exit code not 0):"))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target


def _pg_restore(engine: Engine, source: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    dsn, env = _libpq(engine)
    listing = subprocess.run([pg_restore, "--list", str(source)], env=env, capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(_("%(path)s is not a readable pg_dump archive:", path=str(source))
                          + "\n" + listing.stderr.strip())
    if " TABLE public alembic_version " not in listing.stdout:
        raise BackupError(_("%(path)s is not a pms backup (no alembic_version table).", path=str(source)))
    _drop_empty_schema(engine)
    # One transaction: a restore that fails half-way leaves the database as empty as it was.
    _run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          "--dbname", dsn, str(source)], env, _("pg_restore failed (exit code not 0):"))


def _drop_empty_schema(engine: Engine) -> None:
    """Drop the tables of an empty database (a migrated schema); refuse when any holds a row."""
    # The dump brings its own schema. Checked and dropped in one transaction under exclusive
    # locks: no row written meanwhile can be lost.
    with engine.begin() as connection:
        names = inspect(connection).get_table_names()
        if not names:
            return
        quote = connection.dialect.identifier_preparer.quote
        connection.execute(text("LOCK TABLE " + ", ".join(quote(n) for n in names)
                                + " IN ACCESS EXCLUSIVE MODE"))
        _refuse_not_empty(tables_with_rows(connection))
        # One statement, CASCADE: no ordering of foreign keys to work out; owned sequences go too.
        connection.execute(text("DROP TABLE " + ", ".join(quote(n) for n in names) + " CASCADE"))
