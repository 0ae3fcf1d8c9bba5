"""Database engine, the naming convention, sessions and the unit of work."""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, MetaData, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError
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
T = TypeVar("T")


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


# How long a writer waits for another's lock before the request answers 503 (Retry-After).
DEFAULT_LOCK_TIMEOUT_SECONDS = 10

# The connection option that says how a SQLite transaction begins (see `_sqlite_begin`).
SQLITE_BEGIN = "pms_sqlite_begin"


def _sqlite_connect(lock_timeout: int):
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling defers BEGIN to the first INSERT/UPDATE, so reads
        # ran outside the transaction and savepoints committed on release. Take control: the
        # driver never begins, `_sqlite_begin` does (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={lock_timeout * 1000}")
        cursor.close()
    return on_connect


def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE for a unit of work that writes (writers queue for the one write lock
    instead of failing on upgrade), a plain BEGIN for one that only reads (a consistent snapshot
    that never blocks a writer in WAL mode)."""
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, lock_timeout: int = DEFAULT_LOCK_TIMEOUT_SECONDS,
                pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine for the URL: one real transaction per unit of work on both engines.

    Waiting for a lock ends after `lock_timeout` whole seconds (SQLite's busy timeout, PostgreSQL's
    lock_timeout), and waiting for a pooled connection too; the edges answer 503 then.
    """
    parsed = make_url(url)
    # hide_parameters: an error's text (logged with its traceback) never repeats the values of
    # the statement that failed — phones, ID numbers, names.
    pool = dict(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=lock_timeout, hide_parameters=True)
    if parsed.get_backend_name() == "sqlite":
        memory = not parsed.database or parsed.database == ":memory:"
        if not memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": lock_timeout, "check_same_thread": False},
                               **({"hide_parameters": True} if memory else pool))
        event.listen(engine, "connect", _sqlite_connect(lock_timeout))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options = f"-c lock_timeout={lock_timeout * 1000}"
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options}, **pool)


def init_app(app) -> None:
    """Bind an engine to the app and close the request's session at teardown."""
    app.extensions["pms_engine"] = make_engine(
        app.config["DATABASE_URL"],
        lock_timeout=int(app.config.get("DB_LOCK_TIMEOUT_SECONDS", DEFAULT_LOCK_TIMEOUT_SECONDS)),
        pool_size=int(app.config.get("DB_POOL_SIZE", 10)),
        max_overflow=int(app.config.get("DB_MAX_OVERFLOW", 20)))

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


def _bind(write: bool, snapshot: bool = False) -> Engine:
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        # Every SQLite transaction is serializable; only how it begins differs.
        return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE" if write else "DEFERRED"})
    if snapshot:
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def new_session(*, write: bool = True, snapshot: bool = False) -> Session:
    """A session whose transactions begin as a writer's (or a reader's: `write=False`).

    `snapshot=True` makes every statement of a reader's transaction see the same committed state
    on PostgreSQL too (REPEATABLE READ), for checks that read many tables (`pms audit verify`).
    """
    return Session(_bind(write, snapshot), expire_on_commit=False)


def writes_expected() -> bool:
    """Whether the current request (or CLI command, or job) is expected to write.

    A request with a safe method only reads; everything else outside a request (the CLI, jobs)
    is treated as a writer.
    """
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    return True


def get_session() -> Session:
    """The session of the current request or job (one per app context)."""
    if not has_app_context():
        raise RuntimeError("get_session() needs an app context")
    if "db_session" not in g:
        g.db_session = new_session(write=writes_expected())
    return g.db_session


@contextlib.contextmanager
def unit_of_work(*, write: bool = True, snapshot: bool = False) -> Iterator[Session]:
    """One transaction: commit when the block ends cleanly, roll back on any error."""
    session = new_session(write=write, snapshot=snapshot)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit_apart(session: Session, write: Callable[[Session], T]) -> T:
    """Write the side effect of a refused unit of work (a failed login) in its own short transaction.

    The unit's own work is rolled back first and the same session (so the same connection, and
    on SQLite the write lock it already holds) carries the side effect: a refusal never holds a
    second connection while it waits for one.
    """
    session.rollback()
    try:
        result = write(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


# PostgreSQL SQLSTATEs of a wait that ended or a transaction the server gave up: lock_not_available,
# deadlock_detected, serialization_failure, query_canceled (statement or lock timeout).
_TRANSIENT_SQLSTATES = {"55P03", "40P01", "40001", "57014"}


def is_transient(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again" (a lock or pool wait ran out)."""
    if isinstance(exc, SATimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _TRANSIENT_SQLSTATES
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message


def is_sqlite(session_or_engine) -> bool:
    """Whether the bound database is SQLite (a few bulk paths differ)."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def dialect_insert(session, table):
    """An INSERT for the bound engine's dialect, so `.on_conflict_do_nothing()` works on both
    (insert-or-ignore: the rule is held by the UNIQUE constraint, not by a check first)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite.insert if is_sqlite(session) else postgresql.insert)(table)


def upsert(session, model, rows: Sequence[dict], key: Sequence[str]) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE of every other column given, on both engines: rows
    written whole whether or not they existed (read models refreshed by several writers)."""
    if not rows:
        return
    # In key order: two writers upserting overlapping rows lock them in the same order, so one
    # waits for the other instead of deadlocking (a billing run's estates and the five-minute job).
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in key))
    stmt = dialect_insert(session, model)
    session.execute(stmt.on_conflict_do_update(
        index_elements=list(key), set_={name: stmt.excluded[name] for name in rows[0] if name not in key}), rows)


def insert_ignoring_conflicts(session, model, rows: Sequence[dict], conflict: Sequence[str],
                              returning=None, chunk: int = 500) -> list:
    """INSERT … ON CONFLICT (conflict) DO NOTHING in chunks; the `returning` values (a column, or a
    tuple of columns: rows) of the rows actually inserted. The UNIQUE constraint, not a prior
    SELECT, decides."""
    if not rows:
        return []
    inserted: list = []
    for start in range(0, len(rows), chunk):
        stmt = dialect_insert(session, model).values(list(rows[start:start + chunk])).on_conflict_do_nothing(
            index_elements=list(conflict))
        if isinstance(returning, (tuple, list)):  # several columns: rows
            inserted.extend(tuple(row) for row in session.execute(stmt.returning(*returning)))
        elif returning is not None:
            inserted.extend(session.execute(stmt.returning(returning)).scalars().all())
        else:
            session.execute(stmt)
    session.flush()
    return inserted


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
    """Lock one row until the transaction ends, so read-check-write rules go one at a time.

    The one lock helper of the house. PostgreSQL: SELECT … FOR UPDATE (a second caller waits,
    then reads what the first committed). SQLite has one write lock per database: a writer's
    transaction took it at BEGIN IMMEDIATE; a reader's takes it here by a no-op UPDATE. Rows
    read before the lock may be stale: read what the rule decides on after it, through `locked`.
    """
    table = model.__table__
    if is_sqlite(session):
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
    else:
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())


def lock_rows(session, model, row_ids) -> None:
    """`lock_row` for many rows at once, taken in id order (so two lockers never deadlock)."""
    ids = sorted(set(row_ids))
    if not ids:
        return
    table = model.__table__
    if is_sqlite(session):
        session.execute(update(table).where(table.c.id.in_(ids)).values(id=table.c.id))
    else:
        session.execute(select(table.c.id).where(table.c.id.in_(ids)).order_by(table.c.id).with_for_update())


def lock_and_refresh(session, row: T) -> T:
    """Lock an ORM object's row (`lock_row`) and re-read it, so the rule that follows decides on
    what was committed last (pending changes are flushed first, none is lost)."""
    lock_row(session, type(row), row.id)
    session.refresh(row)
    return row


def locked(stmt):
    """`stmt` (an ORM select) locking its rows, refreshing objects the session already holds."""
    return stmt.with_for_update().execution_options(populate_existing=True)
