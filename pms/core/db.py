"""Database engine, the naming convention, sessions and the unit of work."""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from flask import current_app, g, has_app_context
from sqlalchemy import DateTime, MetaData, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

# Deterministic constraint names, so Alembic migrations can name (and drop) them on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp stored in UTC on every engine (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current instant, aware, in UTC: the business clock (`pms.core.clock`), which tests move."""
    from pms.core import clock

    return clock.now()


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL, with SQLite set up for a multi-process service."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_app(app) -> None:
    """Bind an engine to the app and close the request's session at teardown."""
    app.extensions["pms_engine"] = make_engine(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["pms_engine"]


def get_session() -> Session:
    """The session of the current request or job (one per app context)."""
    if not has_app_context():
        raise RuntimeError("get_session() needs an app context")
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commit when the block ends cleanly, roll back on any error."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_sqlite(session_or_engine) -> bool:
    """Whether the bound database is SQLite (a few bulk paths differ)."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def new_ids_sql(session, table: str, row_number: str) -> str:
    """An SQL expression giving each row of an INSERT … SELECT a fresh primary key of `table`.

    Set-based writers assign the keys themselves so the rows that refer to them (a bill's lines,
    its journal entry) can be written by joins on a staging table instead of per-row lookups.
    PostgreSQL draws from the table's sequence; on SQLite this transaction holds the database's
    only write lock, so max(id) + `row_number` (1, 2, … over the selected rows) is free.
    """
    if is_sqlite(session):
        base = session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))
        return f"({int(base)} + {row_number})"
    sequence = session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table})
    return "nextval('" + sequence.replace("'", "''") + "')"


def reserve_ids(session, table: str, count: int) -> list[int]:
    """`count` fresh primary keys of `table`, in order (drawn as `new_ids_sql` draws them)."""
    return list(session.scalars(text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
        f" SELECT {new_ids_sql(session, table, 'i')} FROM n ORDER BY i"), {"count": count}))


def lock_row(session, model, row_id: int) -> None:
    """Lock one row until the transaction ends, so read-check-write services go one at a time.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks and reads outside a write
    transaction until the first write, so a no-op UPDATE takes the database's write lock first
    (later reads then see every committed change).
    """
    table = model.__table__
    if is_sqlite(session):
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
    else:
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
