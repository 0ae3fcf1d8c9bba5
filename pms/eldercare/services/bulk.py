"""Insert-or-ignore for tens of thousands of rows, and id lists of thousands.

`core.db.insert_ignoring_conflicts` builds one multi-VALUES statement per chunk; compiling those
took 10 s of 20 for 14,000 visits (SQLAlchemy compiles every bound parameter of every row), and
psycopg then spent 4 s splitting the placeholders of the batched statements. Measured on 35,000
visits, what is fast: on PostgreSQL one INSERT … SELECT FROM unnest(one array per column), on
SQLite an executemany of one small statement (the loop runs in C). The rule is the same, held by
the same UNIQUE constraint.
"""
from __future__ import annotations

from datetime import date
from typing import Optional, Sequence

from sqlalchemy import Integer, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY

from pms.core.db import dialect_insert, is_sqlite


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


def id_in(session, column, ids: Sequence[int]):
    """`column IN ids` for thousands of ids: one array parameter on PostgreSQL (`= ANY(:ids)`: an
    expanded IN list of 5,000 parameters cost more to split and bind than the query took)."""
    if is_sqlite(session):
        return column.in_(list(ids))
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
