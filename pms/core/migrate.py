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
