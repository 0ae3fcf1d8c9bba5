"""Step 3a of an import: rows checked against each other (pure) and against the database.

- A floor that does not match the room number (501 on floor 3; the floor is the number without its
  last two digits) is a warning: old buildings have mezzanines and odd numbering.
- An existing estate keeps its name, district and company: a file that disagrees is an error.
- A district code must be on record or a county-level division of the reference data
  (`divisions.py`, GB/T 2260), and the name must be the one on record, else the reference name:
  a name that disagrees is refused (it usually means a mistyped code), never silently replaced.
"""
from __future__ import annotations

from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.estates import divisions
from pms.estates.models import Company, District, Estate
from pms.estates.registry.rows import Problem, RegistryRow


def room_number_floor(number: str) -> Optional[int]:
    """The floor a room number implies (501 → 5, 1203 → 12), None for other numbering."""
    if number.isdigit() and len(number) >= 3:
        return int(number[:-2])
    return None


def check_rows(rows: list[RegistryRow]) -> tuple[list[Problem], list[Problem]]:
    """Errors between rows (duplicates, contradictions) and warnings (floor vs room number)."""
    errors: list[Problem] = []
    warns: list[Problem] = []
    first_room: dict[str, int] = {}
    districts: dict[str, tuple[str, int]] = {}
    estates: dict[str, tuple[RegistryRow, int]] = {}
    owners: dict[tuple[str, str], RegistryRow] = {}
    for r in rows:
        seen = first_room.setdefault(r.code, r.row)
        if seen != r.row:
            errors.append(Problem(r.row, "room", _("Room %(code)s already appears in row %(row)d.",
                                                   code=r.code, row=seen)))
        name, row = districts.setdefault(r.district_code, (r.district_name, r.row))
        if name != r.district_name:
            errors.append(Problem(r.row, "district_name", _(
                "District %(code)s is called %(name)s in row %(row)d.", code=r.district_code, name=name, row=row)))
        first, _row = estates.setdefault(r.estate_code, (r, r.row))
        for column in ("estate_name", "district_code", "street"):
            if getattr(first, column) != getattr(r, column):
                errors.append(Problem(r.row, column, _(
                    "Estate %(code)s has %(value)s in row %(row)d; all its rows must agree.",
                    code=r.estate_code, value=getattr(first, column), row=first.row)))
        if r.owner_id_number:
            other = owners.setdefault((r.estate_code, r.owner_id_number), r)
            if (other.owner_name, other.owner_phone) != (r.owner_name, r.owner_phone):
                errors.append(Problem(r.row, "owner_id_number", _(
                    "The same ID number has another owner name or phone in row %(row)d.", row=other.row)))
        implied = room_number_floor(r.room)
        if implied is not None and implied != r.floor:
            warns.append(Problem(r.row, "floor", _(
                "Room %(room)s is normally on floor %(implied)d, not %(floor)d.",
                room=r.room, implied=implied, floor=r.floor)))
    return errors, warns


def check_database(session, company: Company, rows: list[RegistryRow]) -> list[Problem]:
    """Rows that contradict what is on record: a district's name, an estate's company/name/district."""
    errors: list[Problem] = []
    district_codes = {r.district_code for r in rows}
    estate_codes = {r.estate_code for r in rows}
    districts = {d.code: d for d in in_chunks(session, District, District.code, district_codes)}
    estates = {e.code: e for e in in_chunks(session, Estate, Estate.code, estate_codes)}
    district_by_id = {d.id: d for d in districts.values()}
    missing = {e.district_id for e in estates.values()} - district_by_id.keys()
    if missing:
        district_by_id.update({d.id: d for d in in_chunks(session, District, District.id, missing)})
    for r in rows:
        district = districts.get(r.district_code)
        if district is not None:
            if district.name != r.district_name:
                errors.append(Problem(r.row, "district_name", _(
                    "District %(code)s is on record as %(name)s.", code=district.code, name=district.name)))
        elif (ref := divisions.county(r.district_code)) is None:
            errors.append(Problem(r.row, "district_code", _(
                "%(code)s is not a district in the national division codes (GB/T 2260).",
                code=r.district_code)))
        elif ref.name != r.district_name:
            # A name that disagrees with the code usually means a wrong code: refuse, don't guess.
            errors.append(Problem(r.row, "district_name", _(
                "District %(code)s is called %(name)s in the national division codes (GB/T 2260).",
                code=ref.code, name=ref.name)))
        estate = estates.get(r.estate_code)
        if estate is None:
            continue
        if estate.company_id != company.id:
            errors.append(Problem(r.row, "estate_code", _(
                "Estate %(code)s belongs to another company.", code=estate.code)))
            continue
        if estate.name != r.estate_name:
            errors.append(Problem(r.row, "estate_name", _(
                "Estate %(code)s is on record as %(name)s.", code=estate.code, name=estate.name)))
        if district_by_id[estate.district_id].code != r.district_code:
            errors.append(Problem(r.row, "district_code", _(
                "Estate %(code)s is on record in district %(district)s.", code=estate.code,
                district=district_by_id[estate.district_id].code)))
    return errors


def in_chunks(session, model, column, values, size: int = 500):
    """Rows of `model` whose `column` is among `values`, 500 values per query."""
    values = sorted(values)
    for start in range(0, len(values), size):
        yield from session.scalars(select(model).where(column.in_(values[start:start + size])))

