"""Estates: companies, the estate tree, room look-ups and search, with masking of ID numbers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import String, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from pms.core import audit
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.codes import natural_key, natural_order
from pms.core.errors import Conflict, Invalid
from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person,
                                Residency, Room)
from pms.estates.permissions import ensure, may
from pms.estates.rules import mask_id_number, mask_phone
from pms.estates.registry.importing import import_file
from pms.estates.registry.rows import ImportResult


def find_company(session, code: str) -> Optional[Company]:
    return session.scalar(select(Company).where(Company.code == code))


def find_district(session, code: str) -> Optional[District]:
    return session.scalar(select(District).where(District.code == code))


def find_room(session, code: str) -> Optional[Room]:
    """A room by code, unscoped (for admin tools and linking accounts)."""
    return session.scalar(select(Room).where(Room.code == code))


def find_estate(session, code: str) -> Optional[Estate]:
    """An estate by code, unscoped (for admin tools and CLI)."""
    return session.scalar(select(Estate).where(Estate.code == code))


def estate_ids_of_company(session, company_id: int) -> list[int]:
    return list(session.scalars(select(Estate.id).where(Estate.company_id == company_id)))


def estate_ids_of_district(session, district_id: int) -> list[int]:
    return list(session.scalars(select(Estate.id).where(Estate.district_id == district_id)))


def create_company(session, code: str, name: str, *, actor: str = "system") -> Company:
    """A property company; its code is unique."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not code or len(code) > 32:
        errors["code"] = [_("A code of 1 to 32 characters is required.")]
    if not name:
        errors["name"] = [_("A name is required.")]
    if errors:
        raise Invalid(_("The company cannot be created."), fields=errors)
    if find_company(session, code) is not None:
        raise Conflict(_("Company %(code)s already exists.", code=code))
    company = Company(code=code, name=name)
    session.add(company)
    session.flush()
    audit.record(session, actor=actor, action="company.create", object_type="company",
                 object_id=company.id, payload={"code": code, "name": name})
    return company


def may_see_id_numbers(principal: Principal, estate: Estate) -> bool:
    """Only the owning company's staff (and platform admins) see ID numbers unmasked."""
    if may(principal, "id_numbers.unmasked_any_company"):
        return True
    return may(principal, "id_numbers.unmasked") and principal.company_id == estate.company_id


def phones_masked(principal: Principal) -> bool:
    """Whether the principal sees phone numbers only masked ('139****5678', 条例 Art. 65).

    The one place this is decided (permissions "phones.unmasked"): pages, the API, exports and
    the room search all ask here."""
    return not may(principal, "phones.unmasked")


def shown_phone(principal: Principal, phone: Optional[str]) -> Optional[str]:
    """A phone number as this principal may see it."""
    return mask_phone(phone) if phones_masked(principal) else phone


def masked_phone_sql(column):
    """`mask_phone` in SQL (both engines): what a masked reader sees, for searching by it."""
    length = func.length(column)
    return case((length < 7, column),
                else_=func.substr(column, 1, 3, type_=String).concat(literal("****"))
                .concat(func.substr(column, length - 3, 4, type_=String)))


# ---- read models handed to views and API schemas ----------------------------------------

@dataclass
class EstateSummary:
    code: str
    name: str
    district_code: str
    district_name: str
    company_code: str
    company_name: str
    buildings: int
    rooms: int
    area_centi_m2: int


def estate_choices(session, principal: Principal) -> list[tuple[str, str]]:
    """(code, name) of the estates in the caller's scope, codes in natural order: what a filter's or
    a form's estate list needs, without counting anyone's rooms."""
    rows = session.execute(scoped(select(Estate.code, Estate.name), Estate, principal)).all()
    return sorted(((c, n) for c, n in rows), key=lambda r: natural_key(r[0]))


def list_estates(session, principal: Principal, *, codes: Optional[Sequence[str]] = None,
                 limit: Optional[int] = None, offset: int = 0) -> list[EstateSummary]:
    """Estates in the caller's scope (of `codes` only, if given) with their size, codes in natural
    order; `limit`/`offset` take a page of them, and only that page's rooms are counted."""
    return estate_page(session, principal, codes=codes, limit=limit, offset=offset)[0]


def estate_page(session, principal: Principal, *, codes: Optional[Sequence[str]] = None,
                limit: Optional[int] = None, offset: int = 0) -> tuple[list[EstateSummary], int]:
    """A page of `list_estates` and how many estates there are in all."""
    stmt = scoped(select(Estate.id, Estate.code), Estate, principal)
    if codes is not None:
        stmt = stmt.where(Estate.code.in_(list(codes)))
    ordered = sorted(session.execute(stmt).all(), key=lambda r: natural_key(r[1]))
    page = ordered[offset:None if limit is None else offset + limit]
    if not page:
        return [], len(ordered)
    ids = [estate_id for estate_id, _code in page]
    room_counts = (select(Room.estate_id, func.count(Room.id).label("rooms"),
                          func.coalesce(func.sum(Room.area_centi_m2), 0).label("area"))
                   .where(Room.estate_id.in_(ids)).group_by(Room.estate_id).subquery())
    building_counts = (select(Building.estate_id, func.count(Building.id).label("buildings"))
                       .where(Building.estate_id.in_(ids)).group_by(Building.estate_id).subquery())
    rows = {e.id: (e, d, c, r, a, b) for e, d, c, r, a, b in session.execute(
        select(Estate, District, Company,
               func.coalesce(room_counts.c.rooms, 0), func.coalesce(room_counts.c.area, 0),
               func.coalesce(building_counts.c.buildings, 0))
        .join(District, District.id == Estate.district_id)
        .join(Company, Company.id == Estate.company_id)
        .outerjoin(room_counts, room_counts.c.estate_id == Estate.id)
        .outerjoin(building_counts, building_counts.c.estate_id == Estate.id)
        .where(Estate.id.in_(ids)))}
    summaries = []
    for estate_id in ids:
        e, d, c, r, a, b = rows[estate_id]
        summaries.append(EstateSummary(code=e.code, name=e.name, district_code=d.code, district_name=d.name,
                                       company_code=c.code, company_name=c.name, buildings=b, rooms=r,
                                       area_centi_m2=a))
    return summaries, len(ordered)


def get_estate(session, principal: Principal, code: str) -> Estate:
    """An estate in scope by code (404 otherwise)."""
    return get_in_scope(session, Estate, Estate.code == code, principal=principal)


@dataclass
class EntranceSummary:
    code: str
    rooms: int
    floors: int


@dataclass
class BuildingSummary:
    code: str
    entrances: list[EntranceSummary]
    rooms: int


def list_buildings(session, principal: Principal, estate: Estate) -> list[BuildingSummary]:
    """The buildings of an estate with their entrances and room counts."""
    rows = session.execute(
        scoped(select(Building.code, Entrance.code, func.count(Room.id), func.max(Room.floor))
               .join(Entrance, Entrance.building_id == Building.id)
               .outerjoin(Room, Room.entrance_id == Entrance.id)
               .where(Building.estate_id == estate.id)
               .group_by(Building.code, Entrance.code), Building, principal)
    ).all()
    buildings: dict[str, BuildingSummary] = {}
    for b_code, e_code, rooms, floors in sorted(rows, key=lambda r: (natural_key(r[0]), natural_key(r[1]))):
        b = buildings.setdefault(b_code, BuildingSummary(code=b_code, entrances=[], rooms=0))
        b.entrances.append(EntranceSummary(code=e_code, rooms=rooms, floors=floors or 0))
        b.rooms += rooms
    return list(buildings.values())


@dataclass
class PersonView:
    name: str
    phone: str
    id_number: Optional[str]
    relation: str


@dataclass
class RoomView:
    code: str
    estate_code: str
    estate_name: str
    building: str
    entrance: str
    number: str
    floor: int
    area_centi_m2: int
    usage: str
    owners: list[PersonView]
    residents: list[PersonView]


def room_view(session, principal: Principal, room: Room) -> RoomView:
    """A room with its owners and residents, ID numbers masked unless the caller may see them."""
    estate, building, entrance = session.execute(
        select(Estate, Building, Entrance).join(Building, Building.estate_id == Estate.id)
        .join(Entrance, Entrance.building_id == Building.id)
        .where(Building.id == room.building_id, Entrance.id == room.entrance_id)).one()
    full = may_see_id_numbers(principal, estate)

    def person(p: Person, relation: str) -> PersonView:
        return PersonView(name=p.name, phone=shown_phone(principal, p.phone),
                          id_number=p.id_number if full else mask_id_number(p.id_number),
                          relation=relation)

    owners = session.scalars(select(Person).join(Ownership, Ownership.person_id == Person.id)
                             .where(Ownership.room_id == room.id).order_by(Person.name)).all()
    residents = session.execute(select(Person, Residency.relation)
                                .join(Residency, Residency.person_id == Person.id)
                                .where(Residency.room_id == room.id).order_by(Person.name)).all()
    return RoomView(code=room.code, estate_code=estate.code, estate_name=estate.name,
                    building=building.code, entrance=entrance.code, number=room.number,
                    floor=room.floor, area_centi_m2=room.area_centi_m2, usage=room.usage,
                    owners=[person(p, "owner") for p in owners],
                    residents=[person(p, rel) for p, rel in residents])


def get_room(session, principal: Principal, code: str) -> Room:
    """A room in scope by code (404 otherwise)."""
    return get_in_scope(session, Room, Room.code == code, principal=principal)


def list_rooms(session, principal: Principal, *, estate: Optional[Estate] = None,
               building: Optional[str] = None, entrance: Optional[str] = None,
               query: str = "", limit: int = 50, offset: int = 0,
               by_floor: bool = False) -> tuple[list[Room], int]:
    """Rooms in scope, optionally within an estate/building/entrance or matching a search.

    The search matches a room code (or its tail, e.g. '3-2-501'), an owner's name or phone. A
    principal who sees phones masked searches the masked form only ('8643', '156****8643'): the
    full number would answer whether a guess is right, digit by digit (an auditor once recovered
    a masked phone in 29 searches). Within an estate in natural order (building 2 before 10),
    with `by_floor` entrance by entrance from the ground floor up (101, 102, …, 1001 rather than
    1001, 101, …); across estates by code.
    """
    stmt = select(Room)
    if estate is not None:
        stmt = stmt.where(Room.estate_id == estate.id)
    if building:
        stmt = stmt.join(Building, Building.id == Room.building_id).where(Building.code == building)
    if entrance:
        stmt = stmt.join(Entrance, Entrance.id == Room.entrance_id).where(Entrance.code == entrance)
    query = (query or "").strip()
    if query:
        phone = masked_phone_sql(Person.phone) if phones_masked(principal) else Person.phone
        owner_match = (select(Ownership.room_id).join(Person, Person.id == Ownership.person_id)
                       .where(or_(Person.name.contains(query, autoescape=True),
                                  phone.contains(query, autoescape=True))))
        stmt = stmt.where(or_(Room.code == query, Room.code.endswith("-" + query, autoescape=True),
                              Room.code.startswith(query, autoescape=True),
                              Room.id.in_(owner_match)))
    stmt = scoped(stmt, Room, principal)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    if by_floor:
        order = (Room.entrance_id, Room.floor, *natural_order(Room.number), Room.code)
    elif estate is not None:
        # Within one estate (a few hundred rooms) people read buildings and entrances as numbers:
        # building 2 before building 10. Across estates the code's own index orders the page.
        place_b, place_e = aliased(Building), aliased(Entrance)
        stmt = (stmt.join(place_b, place_b.id == Room.building_id)
                .join(place_e, place_e.id == Room.entrance_id))
        order = (*natural_order(place_b.code), *natural_order(place_e.code), Room.floor,
                 *natural_order(Room.number), Room.code)
    else:
        order = (Room.code,)
    rows = session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).all()
    return list(rows), total


def get_building(session, principal: Principal, estate: Estate, code: str) -> Building:
    """A building of an estate, in scope (404 otherwise; residents browse no buildings)."""
    return get_in_scope(session, Building, Building.estate_id == estate.id, Building.code == code,
                        principal=principal)


def get_entrance(session, principal: Principal, building: Building, code: str) -> Entrance:
    """An entrance of a building, in scope (404 otherwise)."""
    return get_in_scope(session, Entrance, Entrance.building_id == building.id, Entrance.code == code,
                        principal=principal)


@dataclass
class OwnerBrief:
    name: str
    phone: str


@dataclass
class RoomRow:
    """A room as one line of a list: enough to recognise it, owners included."""

    code: str
    number: str
    floor: int
    area_centi_m2: int
    usage: str
    owners: list[OwnerBrief]

    @property
    def owners_text(self) -> str:
        """'张三 13912345678 / 李四 13800000000'."""
        return " / ".join(f"{o.name} {o.phone}".strip() for o in self.owners)


def room_rows(session, principal: Principal, rooms: list[Room]) -> list[RoomRow]:
    """List lines for `rooms` with their owners (phones masked for auditors), in one query."""
    owners: dict[int, list[OwnerBrief]] = {r.id: [] for r in rooms}
    if rooms:
        stmt = scoped(select(Ownership.room_id, Person.name, Person.phone)
                      .join(Person, Person.id == Ownership.person_id)
                      .where(Ownership.room_id.in_(list(owners)))
                      .order_by(Ownership.room_id, Person.name), Ownership, principal)
        for room_id, name, phone in session.execute(stmt):
            owners[room_id].append(OwnerBrief(name=name, phone=shown_phone(principal, phone) or ""))
    return [RoomRow(code=r.code, number=r.number, floor=r.floor, area_centi_m2=r.area_centi_m2,
                    usage=r.usage, owners=owners[r.id]) for r in rooms]


@dataclass
class Place:
    """Where in the estate tree a list is: an estate, optionally a building and an entrance."""

    estate: Optional[Estate] = None
    building: Optional[Building] = None
    entrance: Optional[Entrance] = None


def locate(session, principal: Principal, estate: str = "", building: str = "",
           entrance: str = "") -> Place:
    """The estate › building › entrance named by these codes, each in scope (404 otherwise)."""
    place = Place()
    if estate:
        place.estate = get_estate(session, principal, estate)
        if building:
            place.building = get_building(session, principal, place.estate, building)
            if entrance:
                place.entrance = get_entrance(session, principal, place.building, entrance)
    return place


# ---- the registry import (pms/estates/registry/) ----------------------------------------

def ensure_may_import(principal: Principal) -> None:
    """403 unless the principal may import the estate register."""
    ensure(principal, "registry.import")


def import_companies(session, principal) -> Optional[list[Company]]:
    """The companies the principal chooses among when importing, None when they import for their own."""
    if principal is None or not may(principal, "registry.choose_company"):
        return None
    return list(session.scalars(select(Company).order_by(Company.code)))


def import_registry(session, principal: Principal, data: bytes, *, company_code: Optional[str] = None,
                    dry_run: bool = False, source: str = "") -> ImportResult:
    """The web upload: a manager imports for their own company, an admin names the company."""
    ensure_may_import(principal)
    if may(principal, "registry.choose_company"):
        company = find_company(session, company_code or "")
        if company is None:
            raise Invalid(_("Choose the company the estates belong to."),
                          fields={"company": [_("Unknown company.")]})
    else:
        company = session.get(Company, principal.company_id)
    return import_file(session, company, data, dry_run=dry_run, actor=principal.username, source=source)


# How many rooms one unit of work of a batch job takes (whole estates): large enough that a
# statement's fixed cost is shared by dozens of 500-room estates, small enough that a transaction
# stays short and memory does not grow with the number of estates.
BATCH_ROOMS = 20_000


def estate_batches(session, estate_ids: Sequence[int], rooms: int = BATCH_ROOMS) -> list[list[int]]:
    """The estates, in the order given, in batches of whole estates of about `rooms` rooms each
    (an estate larger than that is a batch of its own)."""
    counts = dict(session.execute(select(Room.estate_id, func.count(Room.id))
                                  .where(Room.estate_id.in_(list(estate_ids))).group_by(Room.estate_id)).all())
    return batches([(estate_id, counts.get(estate_id, 0)) for estate_id in estate_ids], rooms)


def batches(estate_rooms: Sequence[tuple[int, int]], rooms: int = BATCH_ROOMS) -> list[list[int]]:
    """Split (estate id, rooms) pairs, in order, into batches of whole estates of about `rooms`."""
    out: list[list[int]] = []
    size = 0
    for estate_id, count in estate_rooms:
        if not out or size + count > rooms:
            out.append([])
            size = 0
        out[-1].append(estate_id)
        size += count
    return out
