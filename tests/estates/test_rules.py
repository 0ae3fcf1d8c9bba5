"""Masking (条例 Art. 65), pure: no app, no database."""
from pms.estates.rules import mask_id_number, mask_phone


def test_an_id_number_keeps_its_first_six_and_last_four_characters():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(None) is None and mask_id_number("") == ""


def test_a_phone_keeps_its_first_three_and_last_four_digits():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("123456") == "123456"  # too short to mask meaningfully
    assert mask_phone(None) is None and mask_phone("") == ""
