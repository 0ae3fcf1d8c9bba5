"""Half-up rounding, the house's one rule (pms.core.money): Decimal and integer forms."""
from decimal import Decimal

import pytest

from pms.core.money import divide_half_up, parse_yuan, quantize_half_up, round_half_up


@pytest.mark.parametrize(("value", "fen"), [
    (Decimal("2.5"), 3), (Decimal("2.4999"), 2), (Decimal("3.5"), 4), (Decimal("0.5"), 1),
    (Decimal("-2.5"), -3), (Decimal("1234.50"), 1235), (Decimal(7), 7), (5, 5),
])
def test_round_half_up_to_whole_fen(value, fen):
    assert round_half_up(value) == fen


@pytest.mark.parametrize(("value", "places", "expected"), [
    (2.675, 2, Decimal("2.68")),      # read as written: binary 2.67499… would give 2.67
    (2.25, 1, Decimal("2.3")),
    (Decimal("83.35"), 1, Decimal("83.4")),
    (1 / 3, 2, Decimal("0.33")),
    ("4.45", 1, Decimal("4.5")),
    (7, 1, Decimal("7.0")),
    (-0.05, 1, Decimal("-0.1")),
])
def test_quantize_half_up_to_places(value, places, expected):
    assert quantize_half_up(value, places) == expected


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (7, 2, 4), (5, 2, 3), (1, 3, 0), (2, 3, 1), (0, 9, 0), (30, 60, 1), (29, 60, 0), (90, 60, 2),
    (-7, 2, -4), (7, -2, -4), (-1, 3, 0), (80750, 1000, 81),
])
def test_divide_half_up_in_integers(numerator, denominator, expected):
    assert divide_half_up(numerator, denominator) == expected


def test_divide_half_up_agrees_with_decimal():
    for numerator in range(-300, 301):
        for denominator in (1, 2, 3, 7, 60, 120):
            assert divide_half_up(numerator, denominator) == round_half_up(Decimal(numerator) / denominator)


def test_labour_minutes_times_hourly_rate():
    # 25 minutes at ¥45.00 an hour = 1875 fen; 7 minutes at ¥1.00 = 11.67 fen → 12.
    assert divide_half_up(25 * 4500, 60) == 1875
    assert divide_half_up(7 * 100, 60) == 12


def test_divide_by_zero_is_refused():
    with pytest.raises(ZeroDivisionError):
        divide_half_up(1, 0)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "sNaN"])
def test_parse_yuan_refuses_what_is_no_amount(text):
    with pytest.raises(ValueError):
        parse_yuan(text)
