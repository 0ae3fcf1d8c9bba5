"""The natural sort key of building, entrance and room codes (pms.core.codes)."""
import pytest

from pms.core.codes import natural_key


def test_numbers_compare_as_numbers_and_before_letters():
    assert sorted(["10", "2", "A", "1", "B2", "B10"], key=natural_key) == ["1", "2", "10", "A", "B2", "B10"]


def test_room_codes_compare_part_by_part():
    codes = ["YJL-3-10-101", "YJL-3-2-501", "YJL-3-2-1201", "YJL-12-1-101"]
    assert sorted(codes, key=natural_key) == ["YJL-3-2-501", "YJL-3-2-1201", "YJL-3-10-101", "YJL-12-1-101"]


def test_leading_zeros_tie_then_the_code_decides():
    assert natural_key("01") != natural_key("1")
    assert sorted(["1", "01", "001"], key=natural_key) == ["001", "01", "1"]


@pytest.mark.parametrize("code", ["", "-", "甲", "3号楼", "１２"])
def test_any_text_sorts_with_the_others(code):
    assert sorted([code, "2", "10", "A"], key=natural_key).count(code) == 1
    assert natural_key(code)[1] == code


def test_chinese_suffixes_after_the_number():
    assert sorted(["10号楼", "3号楼", "2"], key=natural_key) == ["2", "3号楼", "10号楼"]


def test_an_empty_code_sorts_first():
    assert sorted(["A", "1", ""], key=natural_key) == ["", "1", "A"]
