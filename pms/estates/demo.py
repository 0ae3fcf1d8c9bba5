"""Demo data for the estates register: who lives in the demo resident's room.

The registry import brings rooms and owners; residency is the property company's own record. The
demo resident (张大爷, the room's owner) lives there with his wife, so the room page lists its
residents as a front desk would have them.
"""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from pms.core.db import insert_ignoring_conflicts
from pms.demo import people
from pms.estates.models import Ownership, Person, Residency, Room

ORDER = 5  # before the domains whose notices go to the residents' phones

# The owner's wife: a name, a phone and an ID number of a woman born in 1950.
SPOUSE = ("李秀兰", "13611072659", people.id_number(random.Random("pms-demo:resident-spouse"), False,
                                                   date(1950, 1, 1), date(1950, 12, 31)))


def seed(session, ctx) -> None:
    """The owner and his wife as residents of the demo resident's room (idempotent)."""
    if not getattr(ctx, "resident_room", None):
        return
    room = session.scalar(select(Room).where(Room.code == ctx.resident_room))
    if room is None:
        return
    owners = session.scalars(select(Ownership.person_id).where(Ownership.room_id == room.id)
                             .order_by(Ownership.person_id)).all()
    name, phone, id_number = SPOUSE
    spouse = session.scalar(select(Person.id).where(Person.estate_id == room.estate_id,
                                                    Person.id_number == id_number))
    if spouse is None:
        person = Person(estate_id=room.estate_id, name=name, phone=phone, id_number=id_number)
        session.add(person)
        session.flush()
        spouse = person.id
    rows = [dict(estate_id=room.estate_id, room_id=room.id, person_id=p, relation="owner") for p in owners]
    rows.append(dict(estate_id=room.estate_id, room_id=room.id, person_id=spouse, relation="family"))
    insert_ignoring_conflicts(session, Residency, rows, ("room_id", "person_id", "estate_id"))
