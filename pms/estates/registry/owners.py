"""Who owns a row's room: the owner-matching rule, pure (no database; tests/estates/registry/test_owners.py).

The owner of a row is the same person as someone on record (or someone an earlier row of the
same import already named) when:
1. their ID numbers agree (looked up in the estate by the row's ID number), else
2. they are the room's only current owner and the names agree, and no ID number contradicts, else
3. the name and the phone agree (looked up in the estate by both, when the row has a phone);
and in every case that person is not already claimed by another row with other data (two rows
naming one person must describe them alike). Then the row's name, phone and ID number update that
person; an empty ID number never erases the one on record (the column is often left out of files
handed around for privacy), a different one replaces it. Otherwise the room passes to a new person.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Hashable, Mapping, NamedTuple, Optional, Sequence


class Owner(NamedTuple):
    """An owner as a row names them or as a person is on record."""

    name: str
    phone: str  # "" when none
    id_number: Optional[str]


def merged(person: Owner, row: Owner) -> Owner:
    """What a matched person becomes: the row's name and phone, its ID number or the one on record."""
    return Owner(row.name, row.phone, row.id_number or person.id_number)


def match_owner(row: Owner, people: Mapping[Hashable, Owner], *,
                same_id_number: Optional[Hashable] = None, room_owners: Sequence[Hashable] = (),
                same_name_phone: Optional[Hashable] = None,
                claimed: Mapping[Hashable, Owner] = MappingProxyType({})) -> Optional[Hashable]:
    """The person (a key of `people`) who is the owner this row names, or None for a new person.

    `same_id_number`: the person of the estate with the row's ID number (None when the row has
    none or nobody has it); `room_owners`: the room's current owners (none for a new room);
    `same_name_phone`: the person of the estate with the row's name and phone; `claimed`: what
    earlier rows of the import made of the people they matched.
    """

    def usable(key) -> bool:
        person = people[key]
        if row.id_number and person.id_number and person.id_number != row.id_number:
            return False
        want = merged(person, row)
        return claimed.get(key, want) == want

    if row.id_number and same_id_number is not None and usable(same_id_number):
        return same_id_number
    if len(room_owners) == 1 and people[room_owners[0]].name == row.name and usable(room_owners[0]):
        return room_owners[0]
    if row.phone and same_name_phone is not None and usable(same_name_phone):
        return same_name_phone
    return None
