"""Step 3b of an import, one batch of whole estates at a time: load what exists into dicts, diff
with the rows, then write with a few bulk statements per table (never one ORM object and one flush
per row). Who owns each room is decided by the pure rule in `owners.py`."""
from __future__ import annotations

from sqlalchemy import select

from pms.core.codes import natural_key
from pms.estates.models import Building, Entrance, Ownership, Person, Room
from pms.estates.registry.owners import Owner, match_owner, merged
from pms.estates.registry.rows import ImportResult, RegistryRow
from pms.estates.registry.writer import Writer

BATCH_ROWS = 5000  # rows of whole estates handled together (a few statements per table per batch)


def estate_batches(by_estate: dict[str, list[RegistryRow]], size: int = BATCH_ROWS):
    """Groups of whole estates of about `size` rows: a few round trips per group, not per estate."""
    batch: list[str] = []
    count = 0
    for code, estate_rows in by_estate.items():
        batch.append(code)
        count += len(estate_rows)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def select_in(session, stmt, column, values: list[int]) -> list:
    """Rows of `stmt` whose `column` is among `values` (only real ids: a dry run's are negative)."""
    values = sorted(v for v in values if v > 0)
    found = []
    for start in range(0, len(values), 500):
        found.extend(session.execute(stmt.where(column.in_(values[start:start + 500]))).all())
    return found


def import_batch(session, writer: Writer, estate_ids: list[int], rows: list[RegistryRow],
                  result: ImportResult) -> None:
    """Some estates: load what exists into dicts, diff, then a few bulk statements per table."""
    # Buildings and entrances: create the missing ones, then read all ids back.
    def load_buildings():
        return {(e, code): i for i, e, code in select_in(
            session, select(Building.id, Building.estate_id, Building.code), Building.estate_id, estate_ids)}

    def load_entrances():
        return {(b, code): i for i, b, code in select_in(
            session, select(Entrance.id, Entrance.building_id, Entrance.code), Entrance.estate_id, estate_ids)}

    buildings = load_buildings()
    new_b = sorted({(r.estate_id, r.building) for r in rows} - buildings.keys(),
                   key=lambda k: (k[0], natural_key(k[1])))
    writer.insert_many(Building, [{"estate_id": e, "code": c} for e, c in new_b])
    buildings = writer.reload(load_buildings, buildings, new_b)
    entrances = load_entrances()
    new_e = sorted({(buildings[(r.estate_id, r.building)], r.entrance) for r in rows} - entrances.keys(),
                   key=lambda k: (k[0], natural_key(k[1])))
    building_estate = {i: e for (e, _c), i in buildings.items()}
    writer.insert_many(Entrance, [{"estate_id": building_estate[b], "building_id": b, "code": c} for b, c in new_e])
    entrances = writer.reload(load_entrances, entrances, new_e)
    result.new["buildings"] += len(new_b)
    result.new["entrances"] += len(new_e)

    # Rooms, people and who owns what, as they are now.
    rooms = {code: (i, floor, area, usage) for i, code, floor, area, usage in select_in(
        session, select(Room.id, Room.code, Room.floor, Room.area_centi_m2, Room.usage),
        Room.estate_id, estate_ids)}
    people: dict[object, Owner] = {}
    by_id_number: dict[tuple[int, str], object] = {}
    by_name_phone: dict[tuple[int, str, str], object] = {}
    # Ordered by id: when two people match, the older record is used (each estate is in one chunk).
    for pid, estate_id, name, phone, id_number in select_in(
            session, select(Person.id, Person.estate_id, Person.name, Person.phone, Person.id_number)
            .order_by(Person.id), Person.estate_id, estate_ids):
        people[pid] = Owner(name, phone or "", id_number)
        if id_number:
            by_id_number.setdefault((estate_id, id_number), pid)
        if phone:
            by_name_phone.setdefault((estate_id, name, phone), pid)
    known_people = set(people)
    owners: dict[int, list[object]] = {}
    for room_id, person_id in select_in(session, select(Ownership.room_id, Ownership.person_id)
                                         .order_by(Ownership.person_id), Ownership.estate_id, estate_ids):
        owners.setdefault(room_id, []).append(person_id)

    claimed: dict[object, Owner] = {}  # person → the attributes this import gives them
    new_people: list[tuple] = []       # (estate id, name, phone, id_number) of people to create
    person_updates: dict[int, tuple] = {}
    room_inserts, room_updates, replaced_rooms, ownership_rows = [], [], [], []
    new_room_owner: list[object] = []

    for r in rows:
        estate_id = r.estate_id
        current = rooms.get(r.code)
        wanted = Owner(r.owner_name, r.owner_phone, r.owner_id_number)
        pid = match_owner(
            wanted, people,
            same_id_number=by_id_number.get((estate_id, wanted.id_number)) if wanted.id_number else None,
            room_owners=owners.get(current[0], ()) if current is not None else (),
            same_name_phone=by_name_phone.get((estate_id, wanted.name, wanted.phone)) if wanted.phone else None,
            claimed=claimed)
        owner_changed = False
        if pid is None:
            pid = ("new", len(new_people))
            attrs = wanted
            new_people.append((estate_id, *attrs))
            people[pid] = attrs
        else:
            attrs = merged(people[pid], wanted)
            if attrs != people[pid]:
                owner_changed = True
                if not isinstance(pid, tuple):
                    person_updates[pid] = attrs
                people[pid] = attrs
        claimed[pid] = attrs
        if attrs[2]:
            by_id_number.setdefault((estate_id, attrs[2]), pid)
        if attrs[1]:
            by_name_phone.setdefault((estate_id, attrs[0], attrs[1]), pid)

        if current is None:
            building_id = buildings[(estate_id, r.building)]
            room_inserts.append({
                "estate_id": estate_id, "building_id": building_id,
                "entrance_id": entrances[(building_id, r.entrance)], "code": r.code,
                "number": r.room, "floor": r.floor, "area_centi_m2": r.area_centi_m2, "usage": r.usage})
            new_room_owner.append(pid)
            result.created += 1
            continue
        room_id, floor, area, usage = current
        room_changed = (floor, area, usage) != (r.floor, r.area_centi_m2, r.usage)
        if room_changed:
            room_updates.append({"id": room_id, "floor": r.floor, "area_centi_m2": r.area_centi_m2,
                                 "usage": r.usage})
        if owners.get(room_id, []) != [pid]:
            owner_changed = True
            if owners.get(room_id):
                replaced_rooms.append(room_id)
            ownership_rows.append((r.estate_id, room_id, pid))
            owners[room_id] = [pid]
        if room_changed or owner_changed:
            result.updated += 1
        else:
            result.unchanged += 1

    # Write: people first (rooms' ownerships need their ids), then rooms, then ownerships.
    writer.insert_many(Person, [{"estate_id": e, "name": n, "phone": p, "id_number": i}
                                for e, n, p, i in new_people])
    result.new["persons"] += len(new_people)
    writer.update(Person, [{"id": pid, "name": n, "phone": p, "id_number": i}
                           for pid, (n, p, i) in person_updates.items()])
    writer.insert_many(Room, room_inserts)
    writer.update(Room, room_updates)
    writer.delete_ownerships(replaced_rooms)
    if writer.dry_run:
        return
    # Ids of what was just inserted, by natural key: rooms by code; new people by their
    # attributes (people with identical attributes are interchangeable).
    person_ids: list[int] = []
    if new_people:
        fresh: dict[tuple, list[int]] = {}
        for pid, estate_id, name, phone, id_number in select_in(
                session, select(Person.id, Person.estate_id, Person.name, Person.phone, Person.id_number)
                .order_by(Person.id.desc()), Person.estate_id, estate_ids):
            if pid not in known_people:
                fresh.setdefault((estate_id, name, phone or "", id_number), []).append(pid)
        person_ids = [fresh[attrs].pop() for attrs in new_people]

    def real(pid):
        return person_ids[pid[1]] if isinstance(pid, tuple) else pid

    if room_inserts:
        room_ids = dict(select_in(session, select(Room.code, Room.id), Room.estate_id, estate_ids))
        ownership_rows += [(r["estate_id"], room_ids[r["code"]], pid) for r, pid in zip(room_inserts, new_room_owner)]
    writer.insert_many(Ownership, [{"estate_id": e, "room_id": room_id, "person_id": real(pid)}
                                   for e, room_id, pid in ownership_rows])


