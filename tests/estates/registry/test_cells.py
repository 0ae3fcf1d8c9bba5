"""The registry's pure checks (`registry.cells`, `registry.checks.check_rows`): no database."""
from __future__ import annotations

import pytest

from pms.estates.registry.cells import id_check_char, id_number_valid, parse_area, parse_floor, parse_rows
from pms.estates.registry.checks import check_rows, room_number_floor
from pms.estates.registry.rows import COLUMNS


@pytest.mark.parametrize("id_number, valid", [
    ("11010519491231002X", True),   # check character X
    ("110101199003071233", True),   # Σ digit × weight = 174 ≡ 9 (mod 11) → '3'
    ("110101199003071234", False),  # the same with the check digit one off
    ("110101199003072014", False),
    ("11010519491231002x", False),  # upper case only here; the cell check upper-cases first
    ("1101051949123100", False),    # too short
    ("11010519491231002Y", False),
])
def test_gb_11643_check_digit(id_number, valid):
    assert id_number_valid(id_number) is valid


def test_the_check_character_of_known_numbers():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize("text, centi", [("86.55", 8655), ("86.5", 8650), ("86.50", 8650), ("1", 100),
                                         ("10000", 1_000_000)])
def test_areas_in_hundredths_of_a_square_metre(text, centi):
    assert parse_area(text) == centi


@pytest.mark.parametrize("text", ["0", "-3", "12.345", "abc", "NaN", "10000.01"])
def test_bad_areas(text):
    with pytest.raises(ValueError):
        parse_area(text)


def test_floors():
    assert parse_floor("5") == 5 and parse_floor("-1") == -1 and parse_floor("3.0") == 3
    for text in ("3.5", "200", "-10", "x"):
        with pytest.raises(ValueError):
            parse_floor(text)


def test_the_floor_a_room_number_implies():
    assert [room_number_floor(n) for n in ("501", "1203", "12", "A01", "0101")] == [5, 12, None, None, 1]


def _rows(*overrides):
    base = dict(district_code="110112", district_name="通州区", street="玉桥街道", estate_code="NEW",
                estate_name="新苑", building="1", entrance="1", floor="5", room="501", area_m2="60.5",
                usage="住宅", owner_name="张三", owner_phone="", owner_id_number="")
    index = {c: i for i, c in enumerate(COLUMNS)}
    records = [(n + 2, [dict(base, **o)[c] for c in COLUMNS]) for n, o in enumerate(overrides)]
    return parse_rows(index, records)


def test_parse_rows_types_the_cells_and_reports_bad_ones():
    rows, errors = _rows({}, {"room": "502", "area_m2": "1,5", "owner_id_number": "11010519491231002x"})
    assert [(r.code, r.area_centi_m2, r.usage) for r in rows] == [("NEW-1-1-501", 6050, "residential")]
    assert [(e.row, e.column) for e in errors] == [(3, "area_m2")]
    rows, errors = _rows({"owner_id_number": "11010519491231002x"})
    assert errors == [] and rows[0].owner_id_number == "11010519491231002X"


def test_cross_row_checks_without_a_database():
    rows, _errors = _rows({}, {}, {"room": "601", "estate_name": "旧苑"})
    errors, warnings = check_rows(rows)
    assert [(e.row, e.column) for e in errors] == [(3, "room"), (4, "estate_name")]
    assert [(w.row, w.column) for w in warnings] == [(4, "floor")]
