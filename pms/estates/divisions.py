"""The national administrative divisions (GB/T 2260), shipped with the code as reference data.

`data/divisions.csv` (code,name,level,parent) is the one source: the code reads it (it changes
only with a release), and migration 0010 copies it into the `division` table for readers of the
database (reports, SQL). A later change to the file ships with a migration that calls
`sync_table` again.

A district (`District`, what estates, auditors and programmes point to) is a county-level
division. Its row is created from the reference the first time something needs it, always under
the reference name; rows already on record before the reference existed keep their name.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import delete, insert, select, update

from pms.core.db import insert_ignoring_conflicts
from pms.estates.models import DIVISION_LEVELS, District, Division

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions.csv"
COUNTY = "county"


@dataclass(frozen=True)
class DivisionRef:
    """One line of the reference file."""

    code: str
    name: str
    level: str
    parent: Optional[str]


def read_file(path: Path = DATA_FILE) -> dict[str, DivisionRef]:
    """The divisions of a reference file by code; a malformed file is a bug, so it raises."""
    divisions: dict[str, DivisionRef] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            ref = DivisionRef(row["code"].strip(), row["name"].strip(), row["level"].strip(),
                              row["parent"].strip() or None)
            if (len(ref.code) != 6 or not ref.code.isdigit() or not ref.name
                    or ref.level not in DIVISION_LEVELS or ref.code in divisions):
                raise ValueError(f"{path.name} line {line}: bad division {row!r}")
            divisions[ref.code] = ref
    for ref in divisions.values():
        if ref.parent is not None and ref.parent not in divisions:
            raise ValueError(f"{path.name}: {ref.code} has an unknown parent {ref.parent}")
    return divisions


@functools.cache
def reference() -> dict[str, DivisionRef]:
    """The shipped divisions by code (read once per process)."""
    return read_file()


def county(code: str) -> Optional[DivisionRef]:
    """The county-level division (a district, 区/县) of this code, or None."""
    ref = reference().get(code or "")
    return ref if ref is not None and ref.level == COUNTY else None


def district_for(session, code: str) -> Optional[District]:
    """The district of a code: on record, else created from the reference; None if unknown."""
    district = session.scalar(select(District).where(District.code == (code or "")))
    if district is not None:
        return district
    ref = county(code)
    if ref is None:
        return None
    ensure_districts(session, [ref.code])
    return session.scalar(select(District).where(District.code == ref.code))


def ensure_districts(session, codes: Iterable[str]) -> None:
    """Rows for these county-level codes under their reference names (flush only).

    Insert-or-ignore on the unique code: two requests creating the same district never collide.
    """
    rows = [{"code": ref.code, "name": ref.name} for ref in map(county, sorted(set(codes))) if ref]
    insert_ignoring_conflicts(session, District, rows, ["code"])


def sync_table(connection, table=None, divisions: Optional[dict[str, DivisionRef]] = None) -> None:
    """Make the `division` table hold exactly the reference (migrations call this).

    A migration passes its own `sa.table(...)` of the columns it knows, so a later change to the
    model cannot change what an old revision does.
    """
    divisions = reference() if divisions is None else divisions
    table = Division.__table__ if table is None else table
    on_record = {row.code: row for row in connection.execute(select(table))}
    gone = sorted(on_record.keys() - divisions.keys())
    if gone:
        connection.execute(delete(table).where(table.c.code.in_(gone)))
    new = [_values(ref) for code, ref in sorted(divisions.items()) if code not in on_record]
    if new:
        connection.execute(insert(table), new)
    for code, ref in sorted(divisions.items()):
        row = on_record.get(code)
        if row is not None and (row.name, row.level, row.parent_code) != (ref.name, ref.level, ref.parent):
            connection.execute(update(table).where(table.c.code == code).values(_values(ref)))


def _values(ref: DivisionRef) -> dict:
    return {"code": ref.code, "name": ref.name, "level": ref.level, "parent_code": ref.parent}
