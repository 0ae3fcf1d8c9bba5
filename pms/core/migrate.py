"""Alembic, driven from code: upgrade to head, current revision; and what revisions share."""
from __future__ import annotations

import contextlib
from typing import Iterator

from alembic import command
from alembic.config import Config

from pms.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the project's migrations against `database_url`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    """The revisions the code expects (the migration scripts' heads); read once per process."""
    global _heads
    if _heads is None:
        from alembic.script import ScriptDirectory

        _heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    return _heads


def current_revisions(connection) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


_heads: set[str] | None = None


@contextlib.contextmanager
def sqlite_foreign_keys_off() -> Iterator[None]:
    """Around a revision's batch operations on a table other tables refer to (a revision body).

    SQLite cannot change a column or CHECK in place: Alembic's batch mode copies the table and drops
    the old one, and that DROP is refused while foreign keys are ON and rows refer to it (visits
    with their alerts, programmes with their bill lines). SQLite's own procedure
    (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes"): foreign
    keys OFF outside a transaction, change, `foreign_key_check`, commit, ON. The commit before
    holds the previous revisions' work (their version stamp with it). Elsewhere: nothing.
    """
    from alembic import op

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table copy: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")  # alembic's transaction goes on (and commits)
