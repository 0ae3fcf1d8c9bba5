"""The registry import service: validation by row and column, all or nothing, idempotence, updates."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pms.core.models import AuditEntry
from pms.estates.models import Estate, Ownership, Person, Room, Street
from pms.estates.registry.cells import id_number_valid, parse_rows
from pms.estates.registry.importing import import_file, import_rows
from pms.estates.registry.reading import max_file_bytes, read_registry, too_large
from pms.estates.registry.rows import COLUMNS, RegistryInvalid
from tests.estates.registry_files import BASE, BASE_CODES, counts, csv_bytes, rows, xlsx_bytes


def run(db, world, data: bytes, **kwargs):
    return import_file(db, world.acme, data, **kwargs)


def problems(exc_info) -> list[tuple]:
    return [(p.row, p.column) for p in exc_info.value.errors]


def assert_rejected(db, world, data: bytes, expected: list[tuple], **kwargs) -> RegistryInvalid:
    """The import fails with exactly these (row, column) errors and writes nothing."""
    before = counts(db)
    with pytest.raises(RegistryInvalid) as exc_info:
        run(db, world, data, **kwargs)
    assert problems(exc_info) == expected
    assert counts(db) == before
    return exc_info.value


# ---- a good file ------------------------------------------------------------------------------

def test_import_creates_the_estate_tree_rooms_and_owners(db, world):
    before = counts(db)
    result = run(db, world, csv_bytes(BASE), actor="manager", source="reg.csv")
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.summary == "created 4, updated 0, unchanged 0"
    assert result.warnings == []
    after = counts(db)
    # 110112 exists already; one new street, estate, 2 buildings, 3 entrances, 4 rooms/people/ownerships.
    assert {k: after[k] - before[k] for k in after} == {
        "district": 0, "street": 1, "estate": 1, "building": 2, "entrance": 3, "room": 4, "person": 4,
        "ownership": 4, "audit_entry": 1}
    estate = db.scalar(select(Estate).where(Estate.code == "NEW"))
    assert (estate.name, estate.company_id, estate.district_id) == ("新华里", world.acme.id, world.tongzhou.id)
    assert db.get(Street, estate.street_id).name == "中仓街道"
    got = {r.code: (r.number, r.floor, r.area_centi_m2, r.usage)
           for r in db.scalars(select(Room).where(Room.estate_id == estate.id))}
    assert got == {"NEW-1-1-101": ("101", 1, 4500, "commercial"), "NEW-1-1-302": ("302", 3, 7235, "residential"),
                   "NEW-1-2-601": ("601", 6, 8650, "residential"), "NEW-2-1-201": ("201", 2, 5800, "commercial")}
    owners = {room: (p.name, p.phone, p.id_number) for room, p in db.execute(
        select(Room.code, Person).join(Ownership, Ownership.room_id == Room.id)
        .join(Person, Person.id == Ownership.person_id).where(Room.estate_id == estate.id))}
    assert owners == {"NEW-1-1-101": ("王小明", "13900000001", None),
                      "NEW-1-1-302": ("李秀英", "", "11010519491231002X"),
                      "NEW-1-2-601": ("张伟", "13800000002", None),
                      "NEW-2-1-201": ("赵敏", "010-69541234", None)}
    entry = db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()))
    payload = json.loads(entry.payload)
    assert (entry.action, entry.actor, entry.object_id) == ("registry.import", "manager", "ACME")
    assert (payload["created"], payload["updated"], payload["unchanged"], payload["source"]) == (4, 0, 0, "reg.csv")


def test_importing_the_same_file_twice_changes_nothing(db, world):
    data = csv_bytes(BASE)
    run(db, world, data)
    first = counts(db)
    snapshot = db.execute(select(Room.code, Room.floor, Room.area_centi_m2, Room.usage).order_by(Room.code)).all()
    result = run(db, world, data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    second = counts(db)
    assert second == {**first, "audit_entry": first["audit_entry"] + 1}  # only the import's audit entry
    assert db.execute(select(Room.code, Room.floor, Room.area_centi_m2, Room.usage).order_by(Room.code)).all() == snapshot


def test_rows_of_an_existing_estate_that_match_are_unchanged(db, world):
    # The world's YJL-3-2-501 exactly as the fixture made it (street "云景里街道").
    row = dict(district_code="110112", district_name="通州区", street="云景里街道", estate_code="YJL",
               estate_name="云景里", building="3", entrance="2", floor="5", room="501", area_m2="86.55",
               usage="residential", owner_name="张三", owner_phone="13912345678",
               owner_id_number="11010519491231002X")
    before = counts(db)
    result = run(db, world, csv_bytes([row]))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert counts(db) == {**before, "audit_entry": before["audit_entry"] + 1}


def owner_of(db, code):
    return db.execute(select(Person).join(Ownership, Ownership.person_id == Person.id)
                      .join(Room, Room.id == Ownership.room_id).where(Room.code == code)).scalars().all()


def test_a_changed_row_updates_the_room_and_owner(db, world):
    run(db, world, csv_bytes(BASE))
    zhang = owner_of(db, "NEW-1-2-601")[0]
    before = counts(db)
    changed = rows(r0={"area_m2": "46.10"},                         # room area
                   r1={"usage": "commercial", "floor": "2"},          # usage, floor (now a warning)
                   r2={"owner_phone": "13811112222",                  # same owner, new phone and ID
                       "owner_id_number": "110108198001011237"})
    result = run(db, world, csv_bytes(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 3, 1)
    assert [(w.row, w.column) for w in result.warnings] == [(3, "floor")]
    assert db.scalar(select(Room.area_centi_m2).where(Room.code == "NEW-1-1-101")) == 4610
    assert db.execute(select(Room.usage, Room.floor).where(Room.code == "NEW-1-1-302")).one() == ("commercial", 2)
    db.expire_all()
    [same] = owner_of(db, "NEW-1-2-601")
    assert same.id == zhang.id  # the same person, updated in place: nobody is duplicated
    assert (same.phone, same.id_number) == ("13811112222", "110108198001011237")
    assert counts(db) == {**before, "audit_entry": before["audit_entry"] + 1}
    # ... and the new state is stable.
    again = run(db, world, csv_bytes(changed))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_a_different_owner_replaces_the_ownership(db, world):
    run(db, world, csv_bytes(BASE))
    before = counts(db)
    result = run(db, world, csv_bytes(rows(r0={"owner_name": "孙丽", "owner_phone": "13677778888"})))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert [(p.name, p.phone) for p in owner_of(db, "NEW-1-1-101")] == [("孙丽", "13677778888")]
    after = counts(db)
    assert (after["person"], after["ownership"]) == (before["person"] + 1, before["ownership"])
    # The previous owner's record stays (history), but owns nothing any more.
    old = db.scalar(select(Person).where(Person.name == "王小明"))
    assert db.scalar(select(Ownership).where(Ownership.person_id == old.id)) is None


def test_an_empty_id_number_keeps_the_one_on_record(db, world):
    run(db, world, csv_bytes(BASE))
    result = run(db, world, csv_bytes(rows(r1={"owner_id_number": ""})))
    assert result.unchanged == 4
    assert owner_of(db, "NEW-1-1-302")[0].id_number == "11010519491231002X"


def test_one_owner_of_two_rooms_is_one_person(db, world):
    data = rows(r2={"owner_name": "王小明", "owner_phone": "13900000001"})
    run(db, world, csv_bytes(data))
    assert owner_of(db, "NEW-1-1-101")[0].id == owner_of(db, "NEW-1-2-601")[0].id
    assert counts(db)["person"] == 3 + 3  # world's three owners + three here
    assert run(db, world, csv_bytes(data)).unchanged == 4


def test_dry_run_reports_and_writes_nothing(db, world):
    before = counts(db)
    result = run(db, world, csv_bytes(BASE), dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.dry_run) == (4, 0, 0, True)
    assert counts(db) == before
    run(db, world, csv_bytes(BASE))
    middle = counts(db)
    result = run(db, world, csv_bytes(rows(r0={"area_m2": "50"})), dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert counts(db) == middle
    assert db.scalar(select(Room.area_centi_m2).where(Room.code == "NEW-1-1-101")) == 4500


def test_csv_with_bom_and_columns_in_another_order(db, world):
    columns = tuple(reversed(COLUMNS))
    result = run(db, world, csv_bytes(BASE, columns, bom=True))
    assert result.created == 4
    assert sorted(db.scalars(select(Room.code).where(Room.code.startswith("NEW-")))) == sorted(BASE_CODES)


def test_header_names_are_trimmed_and_case_insensitive(db, world):
    columns = [f" {c.upper()} " for c in COLUMNS]
    assert run(db, world, csv_bytes([{f" {k.upper()} ": v for k, v in r.items()} for r in BASE], columns)).created == 4


def test_xlsx_first_sheet_with_numeric_cells(db, world):
    values = [[110112, "通州区", "中仓街道", "NEW", "新华里", 1, 1, 5, 501, 86.55, "住宅", "张伟", 13800000002,
               "11010519491231002X"],
              [110112, "通州区", "中仓街道", "NEW", "新华里", 1, 1, 1, "101", 45, "商业", "王小明", None, None],
              [None] * 14,  # an empty row is skipped but still counted
              [110112, "通州区", "中仓街道", "NEW", "新华里", 1, 1, 2, 201, 0, "住宅", "赵敏", None, None]]
    before = counts(db)
    with pytest.raises(RegistryInvalid) as exc_info:
        run(db, world, xlsx_bytes(values))
    assert problems(exc_info) == [(5, "area_m2")]
    assert counts(db) == before
    result = run(db, world, xlsx_bytes(values[:2]))
    assert result.created == 2
    room = db.scalar(select(Room).where(Room.code == "NEW-1-1-501"))
    assert (room.floor, room.area_centi_m2, room.usage) == (5, 8655, "residential")
    assert owner_of(db, "NEW-1-1-501")[0].phone == "13800000002"


# ---- bad input: every problem by row and column, nothing written -------------------------------

def test_missing_and_unknown_columns(db, world):
    columns = [c for c in COLUMNS if c not in ("area_m2", "usage")] + ["colour"]
    err = assert_rejected(db, world, csv_bytes(BASE, columns), [(1, "area_m2"), (1, "usage"), (1, "colour")])
    assert [str(e) for e in err.errors] == ["row 1, area_m2: Missing column.", "row 1, usage: Missing column.",
                                            "row 1, colour: Unknown column."]


def test_an_unknown_column_alone_still_checks_every_row(db, world):
    assert_rejected(db, world, csv_bytes(rows(r2={"area_m2": "x"}), COLUMNS + ("remark",)),
                    [(1, "remark"), (4, "area_m2")])


def test_empty_required_cells(db, world):
    # owner_phone and owner_id_number may be empty; every other column is required.
    data = rows(r0={"owner_name": ""}, r1={"street": "", "floor": ""}, r3={"owner_phone": "", "owner_id_number": ""})
    err = assert_rejected(db, world, csv_bytes(data), [(2, "owner_name"), (3, "street"), (3, "floor")])
    assert str(err.errors[0]) == "row 2, owner_name: Required."


@pytest.mark.parametrize("area, message", [
    ("0", "Must be greater than 0."), ("-3.5", "Must be greater than 0."), ("86.555", "At most 2 decimals."),
    ("abc", "Not a number."), ("86,55", "Not a number."), ("NaN", "Not a number."),
])
def test_bad_areas(db, world, area, message):
    err = assert_rejected(db, world, csv_bytes(rows(r2={"area_m2": area})), [(4, "area_m2")])
    assert err.errors[0].message == message


def test_trailing_zeros_are_not_extra_decimals(db, world):
    assert run(db, world, csv_bytes(rows(r2={"area_m2": "86.500"}))).created == 4
    assert db.scalar(select(Room.area_centi_m2).where(Room.code == "NEW-1-2-601")) == 8650


def test_bad_usage_floor_and_district_code(db, world):
    data = rows(r0={"usage": "office"}, r1={"floor": "3.5"}, r3={"district_code": "11011"})
    assert_rejected(db, world, csv_bytes(data), [(2, "usage"), (3, "floor"), (5, "district_code")])


def test_duplicate_room_codes_in_one_file(db, world):
    data = BASE + [dict(BASE[1], owner_name="某人", owner_id_number=""), dict(BASE[1])]
    err = assert_rejected(db, world, csv_bytes(data), [(6, "room"), (7, "room")])
    assert err.errors[0].message == "Room NEW-1-1-302 already appears in row 3."


def test_id_number_with_a_wrong_check_digit(db, world):
    # 11010519491231002X is right (hand-computed: Σ weights × digits = 167, 167 mod 11 = 2 → 'X').
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    data = rows(r0={"owner_id_number": "110105194912310021"}, r2={"owner_id_number": "11010519491231"})
    err = assert_rejected(db, world, csv_bytes(data), [(2, "owner_id_number"), (4, "owner_id_number")])
    assert err.errors[0].message == "The check digit is wrong (GB 11643)."


def test_a_lower_case_x_is_accepted(db, world):
    run(db, world, csv_bytes(rows(r1={"owner_id_number": "11010519491231002x"})))
    assert owner_of(db, "NEW-1-1-302")[0].id_number == "11010519491231002X"


def test_the_same_id_number_with_two_names(db, world):
    data = rows(r0={"owner_id_number": "11010519491231002X"})  # row 3 has it for 李秀英
    assert_rejected(db, world, csv_bytes(data), [(3, "owner_id_number")])


def test_codes_with_separators_are_refused(db, world):
    assert_rejected(db, world, csv_bytes(rows(r0={"building": "1-A"}, r1={"estate_code": "NE W"})),
                    [(2, "building"), (3, "estate_code")])


def test_contradictions_between_rows_of_one_estate(db, world):
    data = rows(r2={"estate_name": "新华东里"}, r3={"district_name": "通州"})
    # Row 5 contradicts row 2 and the record of district 110112: both are said.
    err = assert_rejected(db, world, csv_bytes(data), [(4, "estate_name"), (5, "district_name"), (5, "district_name")])
    assert {e.message for e in err.errors[1:]} == {"District 110112 is called 通州区 in row 2.",
                                                   "District 110112 is on record as 通州区."}


def test_a_new_district_and_street_are_created(db, world):
    data = [dict(r, district_code="110108", district_name="海淀区", street="学院路街道") for r in BASE]
    before = counts(db)
    assert run(db, world, csv_bytes(data)).created == 4
    after = counts(db)
    assert (after["district"], after["street"]) == (before["district"] + 1, before["street"] + 1)


def test_district_code_on_record_with_another_name(db, world):
    err = assert_rejected(db, world, csv_bytes(rows(r0={"district_name": "海淀区"}, r1={"district_name": "海淀区"},
                                                    r2={"district_name": "海淀区"}, r3={"district_name": "海淀区"})),
                          [(2, "district_name"), (3, "district_name"), (4, "district_name"), (5, "district_name")])
    assert err.errors[0].message == "District 110112 is on record as 通州区."


def test_an_estate_of_another_company_is_refused_for_its_rows(db, world):
    hxy = [dict(BASE[0], district_code="110105", district_name="朝阳区", estate_code="HXY",
                estate_name="和兴园", building="1", entrance="1", room="101")]
    err = assert_rejected(db, world, csv_bytes(BASE + hxy), [(6, "estate_code")])
    assert err.errors[0].message == "Estate HXY belongs to another company."


def test_an_existing_estate_with_another_name_or_district(db, world):
    yjl = dict(BASE[0], estate_code="YJL", estate_name="云景东里", street="云景里街道")
    moved = dict(BASE[1], estate_code="YJL", estate_name="云景里", street="云景里街道",
                 district_code="110105", district_name="朝阳区")
    assert_rejected(db, world, csv_bytes([yjl]), [(2, "estate_name")])
    assert_rejected(db, world, csv_bytes([moved]), [(2, "district_code")])


def test_every_error_of_the_file_is_reported_at_once(db, world):
    data = rows(r0={"area_m2": "0"}, r1={"owner_id_number": "110105194912310021"},
                r3={"usage": "", "district_name": "海淀区"}) + [dict(BASE[2])]
    assert_rejected(db, world, csv_bytes(data),
                    [(2, "area_m2"), (3, "owner_id_number"), (5, "usage"), (6, "room")])


def test_a_file_that_is_not_utf8(db, world):
    err = assert_rejected(db, world, csv_bytes(BASE, encoding="gb18030"), [(2, "")])
    assert "UTF-8" in err.errors[0].message and "GB18030" in err.errors[0].message


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04not really a zip",
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel"])
def test_binary_files_are_refused(db, world, data):
    err = assert_rejected(db, world, data, [(err_row(data), "")])
    assert err.errors[0].message


def err_row(data: bytes):
    return 1 if data.startswith(b"\x89") else None


def test_a_file_over_the_limit_is_refused_before_parsing(db, world):
    data = csv_bytes(BASE)
    err = assert_rejected(db, world, data + b"x" * 2048, [(None, "")], max_bytes=2048)
    assert str(err.errors[0]) == "The file is 3 KB; the limit is 2 KB."
    huge = too_large(50 * 1024 * 1024, 20 * 1024 * 1024)
    assert str(huge) == "The file is 50 MB; the limit is 20 MB."


def test_the_limit_comes_from_the_configuration(app):
    with app.app_context():
        assert max_file_bytes() == 20 * 1024 * 1024


def test_empty_files(db, world):
    assert_rejected(db, world, b"", [(None, "")])
    assert_rejected(db, world, csv_bytes([]), [(None, "")])


def test_floor_not_matching_the_room_number_is_only_a_warning(db, world):
    result = run(db, world, csv_bytes(rows(r2={"floor": "5"})))  # room 601 on floor 5
    assert result.created == 4
    assert [str(w) for w in result.warnings] == ["row 4, floor: Room 601 is normally on floor 6, not 5."]
    assert db.scalar(select(Room.floor).where(Room.code == "NEW-1-2-601")) == 5


def test_import_rows_reports_cross_row_errors_itself(db, world):
    rows_ = parse_rows(*read_registry(csv_bytes(BASE + [dict(BASE[0])]))[:2])[0]
    before = counts(db)
    with pytest.raises(RegistryInvalid) as exc_info:
        import_rows(db, world.acme, rows_)
    assert problems(exc_info) == [(6, "room")]
    assert counts(db) == before
