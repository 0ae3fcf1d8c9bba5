"""Many rows into one table at once, the fastest way each engine offers (no ORM objects, no ids back).

Set-based batch work (DESIGN "Persistence") writes rows it has already computed as dicts: the
registry import's rooms, people and ownerships, and the same shape recurs wherever a batch stages
or appends plain rows (a staging table before an INSERT … SELECT, journal lines, accruals). These
only flush into the caller's transaction; the caller's unit of work commits.
"""
from __future__ import annotations

from datetime import date
from typing import Optional, Sequence

from sqlalchemy import bindparam, insert, text, update

from pms.core.db import dialect_insert, is_sqlite

def insert_rows(session, model, rows: Sequence[dict]) -> None:
    """INSERT every row of `rows` (dicts with the same keys) into `model`'s table.

    SQLite: a plain executemany (sqlite3 loops in C; ordered RETURNING would go row by row).
    PostgreSQL: COPY … FROM STDIN on the session's own connection (same transaction); an
    executemany sends one statement per row and multi-row VALUES cost psycopg a query rewrite
    per statement — COPY measured several times faster than either (registry import, 100,000
    rooms). Column types' bind conversions and constant Python-side defaults are applied as an
    INSERT would apply them; a column whose default is computed in Python must be in the rows.
    """
    if not rows:
        return
    table = getattr(model, "__table__", model)
    columns = list(rows[0])
    defaults = {}
    for c in table.c:
        if c.name in columns or c.default is None or c.default.is_sequence:
            continue
        if not c.default.is_scalar:
            # COPY applies no Python-side default; a computed one (a timestamp) must come in the rows.
            raise ValueError(f"insert_rows: pass {table.name}.{c.name} (COPY skips its computed default)")
        defaults[c.name] = c.default.arg
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns += list(defaults)
    rows = [{**row, **defaults} for row in rows] if defaults else rows
    quote = dialect.identifier_preparer.quote
    processors = [(i, p) for i, p in enumerate(table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                                               for c in columns) if p is not None]
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i, process in processors:
                    values[i] = process(values[i])
                copy.write_row(values)


def update_rows(session, model, rows: Sequence[dict]) -> None:
    """UPDATE `model`'s rows by id: each dict holds "id" and the new values (the same keys in all)."""
    if not rows:
        return
    table = getattr(model, "__table__", model)
    columns = [k for k in rows[0] if k != "id"]
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns}))
    session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])


# ---- insert-or-ignore for tens of thousands of rows ---------------------------------------------
# `core.db.insert_ignoring_conflicts` (a few hundred rows: one multi-VALUES statement per chunk) is
# the everyday one. For tens of thousands its cost is SQLAlchemy compiling every bound parameter of
# every row and psycopg splitting the placeholders: 14 s of 20 for 35,000 visits. Measured there,
# what is fast: on PostgreSQL one INSERT … SELECT FROM unnest(one array per column), on SQLite an
# executemany of one small statement (the loop runs in C). Same rule, held by the same UNIQUE.

def insert_rows_ignoring_conflicts(session, table, rows: Sequence[dict], conflict: Sequence[str],
                                   returning: Optional[str] = None):
    """INSERT … ON CONFLICT (conflict) DO NOTHING for every row (all rows have the same keys).
    Returns how many were inserted, or with `returning` (a column name) their values."""
    if not rows:
        return [] if returning else 0
    if is_sqlite(session):
        stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(conflict))
        if returning:  # SQLAlchemy's insertmanyvalues: batches of multi-row INSERT … RETURNING
            return list(session.execute(stmt.returning(table.c[returning]), list(rows)).scalars())
        return session.execute(stmt, list(rows)).rowcount
    names = list(rows[0])
    dialect = session.get_bind().dialect
    arrays = ", ".join(f"CAST(:c{i} AS {table.c[name].type.compile(dialect=dialect)}[])"
                       for i, name in enumerate(names))
    sql = (f'INSERT INTO "{table.name}" ({", ".join(names)}) SELECT * FROM unnest({arrays}) '
           f'ON CONFLICT ({", ".join(conflict)}) DO NOTHING')
    # Each array as one text literal, cast by the server: psycopg's own array dumping escaped
    # every element with a regex (1.4 s for 35,000 visits).
    params = {f"c{i}": _array_literal([row[name] for row in rows]) for i, name in enumerate(names)}
    if returning:
        return list(session.execute(text(f"{sql} RETURNING {table.c[returning].name}"), params).scalars())
    return session.execute(text(sql), params).rowcount


def _quoted(value) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(values: list) -> str:
    """A PostgreSQL array literal ('{1,NULL,"plan-3"}') of one type: ints, booleans, dates, aware
    datetimes (ISO 8601 with a T: no spaces to quote) or texts (quoted)."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        convert = (lambda v: "t" if v else "f")
    elif isinstance(sample, int):
        convert = str
    elif isinstance(sample, date):  # datetimes too
        convert = type(sample).isoformat
    else:
        convert = _quoted
    return "{" + ",".join("NULL" if v is None else convert(v) for v in values) + "}"
