"""The owner-matching rule of the registry import (`registry.owners`), pure: no app, no database.

People are keyed by strings here; the import keys them by person id (or a placeholder for a person
an earlier row of the same import creates)."""
from __future__ import annotations

from pms.estates.registry.owners import Owner, match_owner, merged

ZHANG = Owner("张三", "13912345678", "11010519491231002X")
ZHANG_NO_ID = Owner("张三", "13912345678", None)
LI = Owner("李四", "13800000000", None)
OTHER_ID = "110101199003071233"


def test_the_same_id_number_is_the_same_person_whatever_the_name():
    people = {"p1": ZHANG}
    row = Owner("张叁", "", ZHANG.id_number)  # a new spelling of the name, no phone
    assert match_owner(row, people, same_id_number="p1") == "p1"
    assert merged(people["p1"], row) == Owner("张叁", "", ZHANG.id_number)


def test_the_rooms_only_owner_with_the_same_name_is_kept():
    people = {"p1": ZHANG_NO_ID}
    row = Owner("张三", "13600000000", None)  # a new phone
    assert match_owner(row, people, room_owners=["p1"]) == "p1"
    assert merged(people["p1"], row) == Owner("张三", "13600000000", None)


def test_an_empty_id_number_never_erases_the_one_on_record():
    people = {"p1": ZHANG}
    row = Owner("张三", "13912345678", None)
    assert match_owner(row, people, room_owners=["p1"]) == "p1"
    assert merged(people["p1"], row).id_number == ZHANG.id_number


def test_the_rooms_owner_gets_an_id_number_when_they_had_none():
    people = {"p1": ZHANG_NO_ID}
    row = Owner("张三", "13912345678", OTHER_ID)
    assert match_owner(row, people, room_owners=["p1"]) == "p1"
    assert merged(people["p1"], row).id_number == OTHER_ID


def test_a_contradicting_id_number_is_another_person():
    people = {"p1": ZHANG}
    row = Owner("张三", "13912345678", OTHER_ID)
    assert match_owner(row, people, room_owners=["p1"], same_name_phone="p1") is None


def test_another_name_on_the_room_is_a_new_owner():
    people = {"p1": ZHANG_NO_ID}
    assert match_owner(LI, people, room_owners=["p1"]) is None


def test_a_room_with_two_owners_is_not_matched_by_name():
    people = {"p1": ZHANG_NO_ID, "p2": LI}
    row = Owner("张三", "", None)
    assert match_owner(row, people, room_owners=["p1", "p2"]) is None


def test_name_and_phone_find_the_person_of_another_room():
    people = {"p7": LI}
    assert match_owner(LI, people, same_name_phone="p7") == "p7"


def test_name_and_phone_are_not_used_without_a_phone():
    people = {"p7": Owner("李四", "", None)}
    assert match_owner(Owner("李四", "", None), people, same_name_phone="p7") is None


def test_the_id_number_wins_over_the_rooms_owner():
    people = {"p1": ZHANG_NO_ID, "p2": Owner("张三", "13700000000", OTHER_ID)}
    row = Owner("张三", "13700000000", OTHER_ID)
    assert match_owner(row, people, same_id_number="p2", room_owners=["p1"]) == "p2"


def test_the_id_number_lookup_is_ignored_when_the_row_has_none():
    people = {"p2": ZHANG}
    assert match_owner(ZHANG_NO_ID, people, same_id_number="p2") is None


def test_a_person_claimed_by_an_earlier_row_with_other_data_is_not_reused():
    people = {"p1": ZHANG_NO_ID}
    claimed = {"p1": Owner("张三", "13912345678", None)}
    row = Owner("张三", "13600000000", None)  # the same name, another phone than the earlier row
    assert match_owner(row, people, room_owners=["p1"], claimed=claimed) is None
    # … while a row that says the same about them is the same person
    assert match_owner(ZHANG_NO_ID, people, room_owners=["p1"], claimed=claimed) == "p1"


def test_each_step_falls_through_to_the_next():
    """The ID number's person is claimed otherwise, the room's owner has another name: the person
    with the row's name and phone is the owner."""
    people = {"p1": ZHANG, "p2": LI, "p3": Owner("张三", "13912345678", None)}
    claimed = {"p1": Owner("张三", "13000000000", ZHANG.id_number)}
    row = Owner("张三", "13912345678", ZHANG.id_number)
    assert match_owner(row, people, same_id_number="p1", room_owners=["p2"], same_name_phone="p3",
                       claimed=claimed) == "p3"


def test_nobody_matches_a_new_room_of_a_new_person():
    assert match_owner(ZHANG, {}) is None
