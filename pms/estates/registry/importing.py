"""The import as a whole: `import_file` (read, check, import) and `import_rows` (check the rows
against each other and the database, then apply them in batches of whole estates, all or nothing).

Flushes only: the caller's unit of work makes the whole import one transaction. Who may import is
decided by the estates services (`services.import_registry`), not here.
- An existing estate keeps its name, district and company (checks.py); its street office is taken
  from the file.
- One import at a time (below): an advisory lock on PostgreSQL, the write lock on SQLite.
"""
from __future__ import annotations

from typing import Callable, Optional

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from pms.core import audit
from pms.core.db import is_sqlite, lock_row, utcnow
from pms.core.errors import Conflict
from pms.estates import divisions
from pms.estates.models import Company, District, Estate, Street
from pms.estates.registry.batches import estate_batches, import_batch
from pms.estates.registry.cells import parse_rows
from pms.estates.registry.checks import check_database, check_rows, in_chunks
from pms.estates.registry.reading import read_registry
from pms.estates.registry.rows import (ImportResult, Problem, RegistryInvalid, RegistryRow,
                                       sorted_problems)
from pms.estates.registry.writer import Writer


def import_file(session, company: Company, data: bytes, *, dry_run: bool = False, actor: str = "system",
                source: str = "", max_bytes: Optional[int] = None) -> ImportResult:
    """Read, check and import a registry file; raises RegistryInvalid with every error found."""
    sheet = read_registry(data, max_bytes=max_bytes)
    rows, errors = parse_rows(sheet.index, sheet.records, header_width=sheet.width)
    errors = sheet.problems + errors
    if errors:
        # Report the cross-row and database problems of the good rows in the same list.
        more, warns = check_rows(rows)
        raise RegistryInvalid(errors + more + check_database(session, company, rows), warns)
    if not rows:
        raise RegistryInvalid([Problem(None, "", _("The file has a header but no rooms."))])
    return import_rows(session, company, rows, dry_run=dry_run, actor=actor, source=source)


def import_rows(session, company: Company, rows: list[RegistryRow], *, dry_run: bool = False,
                actor: str = "system", progress: Optional[Callable[[int], None]] = None,
                source: str = "") -> ImportResult:
    """Create or update everything the rows describe, all or nothing; raises RegistryInvalid.

    Flushes only: the caller's unit of work commits. A dry run computes the same result and
    writes nothing.
    """
    if not dry_run:
        # One import at a time, taken before the first read: two imports of the same new estate
        # (or owner) would otherwise both decide to create it. PostgreSQL: a transaction-level
        # advisory lock; SQLite: the database's one write lock, which a writer's unit of work
        # holds from BEGIN IMMEDIATE and any other takes here (a no-op update).
        if is_sqlite(session):
            lock_row(session, Company, company.id)
        else:
            session.execute(text("SELECT pg_advisory_xact_lock(770102)"))
    errors, warns = check_rows(rows)
    errors += check_database(session, company, rows)
    if errors:
        raise RegistryInvalid(errors, warns)
    session.flush()
    try:
        return _apply(session, company, rows, warns, dry_run=dry_run, actor=actor, progress=progress,
                      source=source)
    except IntegrityError as exc:
        # A concurrent change to the same rooms (SQLite); the caller's unit of work rolls back.
        raise Conflict(_("The registry changed while importing; nothing was imported, try again.")) from exc


def _apply(session, company, rows, warns, *, dry_run, actor, progress, source) -> ImportResult:
    writer = Writer(session, dry_run)
    result = ImportResult(warnings=sorted_problems(warns), dry_run=dry_run)
    district_ids = _ensure_districts(session, writer, rows, result)
    street_ids = _ensure_streets(session, writer, rows, district_ids, result)
    estate_ids = _ensure_estates(session, writer, company, rows, district_ids, street_ids, result)
    by_estate: dict[str, list[RegistryRow]] = {}
    for r in rows:
        by_estate.setdefault(r.estate_code, []).append(r)
    for codes in estate_batches(by_estate):
        batch = [r for code in codes for r in by_estate[code]]
        for r in batch:
            r.estate_id = estate_ids[r.estate_code]
        import_batch(session, writer, [estate_ids[c] for c in codes], batch, result)
        if progress is not None:
            progress(len(batch))
    result.estates = list(by_estate)
    if not dry_run:
        audit.record(session, actor=actor, action="registry.import", object_type="company",
                     object_id=company.code,
                     payload={"source": source, "rows": len(rows), "created": result.created,
                              "updated": result.updated, "unchanged": result.unchanged,
                              "warnings": len(result.warnings), "estates": result.estates,
                              "new": result.new})
        session.expire_all()  # rows changed behind the identity map's back
    return result


def _ensure_districts(session, writer, rows, result) -> dict[str, int]:
    names = {}
    for r in rows:
        names.setdefault(r.district_code, r.district_name)
    ids = {d.code: d.id for d in in_chunks(session, District, District.code, names)}
    new = sorted(names.keys() - ids.keys())
    if new and writer.dry_run:
        ids.update(zip(new, writer.insert(District, [{} for _code in new])))  # placeholder ids
    elif new:
        # From the reference (check_database refused any other code or name), insert-or-ignore:
        # an auditor of the same district created meanwhile does not fail the import.
        divisions.ensure_districts(session, new)
        ids = {d.code: d.id for d in in_chunks(session, District, District.code, names)}
    result.new["districts"] += len(new)
    return ids


def _ensure_streets(session, writer, rows, district_ids, result) -> dict[tuple[int, str], int]:
    wanted = {(district_ids[r.district_code], r.street) for r in rows}
    known_districts = sorted({d for d, _s in wanted if d > 0})
    ids = {}
    for start in range(0, len(known_districts), 500):
        chunk = known_districts[start:start + 500]
        ids.update({(d, n): i for i, d, n in session.execute(
            select(Street.id, Street.district_id, Street.name).where(Street.district_id.in_(chunk)))})
    new = sorted(wanted - ids.keys())
    ids.update(zip(new, writer.insert(Street, [{"district_id": d, "name": n} for d, n in new])))
    result.new["streets"] += len(new)
    return ids


def _ensure_estates(session, writer, company, rows, district_ids, street_ids, result) -> dict[str, int]:
    first: dict[str, RegistryRow] = {}
    for r in rows:
        first.setdefault(r.estate_code, r)
    existing = {e.code: e for e in in_chunks(session, Estate, Estate.code, first)}
    ids = {code: e.id for code, e in existing.items()}
    moved = []
    for code, estate in existing.items():
        r = first[code]
        street_id = street_ids[(district_ids[r.district_code], r.street)]
        if estate.street_id != street_id:
            moved.append({"id": estate.id, "street_id": street_id})
    writer.update(Estate, moved)
    new = [code for code in first if code not in existing]
    now = utcnow()
    ids.update(zip(new, writer.insert(Estate, [
        {"code": c, "name": first[c].estate_name, "district_id": district_ids[first[c].district_code],
         "street_id": street_ids[(district_ids[first[c].district_code], first[c].street)],
         "company_id": company.id, "created_at": now} for c in new])))
    result.new["estates"] += len(new)
    return ids
