"""Alembic, driven from code: upgrade to head, current revision."""
from __future__ import annotations

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
