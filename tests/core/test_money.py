"""Money helpers: parsing, formatting, rounding, exact splitting."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.core.money import format_fen, parse_yuan, round_half_up, split_largest_remainder


@pytest.mark.parametrize("text, fen", [("12.30", 1230), ("12.3元", 1230), ("¥1,234.50", 123450),
                                       ("0", 0), ("7", 700), ("0.01", 1)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["abc", "1.234", "", "1,2.3.4"])
def test_parse_yuan_rejects(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_format_fen():
    assert format_fen(123450) == "¥1,234.50"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-1999) == "-¥19.99"


def test_yuan_text_for_forms_round_trips():
    from pms.core.money import fen_to_yuan_text

    assert [fen_to_yuan_text(f) for f in (123456789, 5, 0, -1999)] == ["1234567.89", "0.05", "0.00", "-19.99"]
    assert all(parse_yuan(fen_to_yuan_text(f)) == f for f in (123456789, 5, 0, 100, 3000))


def test_round_half_up():
    assert round_half_up(Decimal("10386.5")) == 10387
    assert round_half_up(Decimal("10386.49")) == 10386
    assert round_half_up(Decimal("2.5")) == 3  # not banker's rounding


def test_split_published_elevator_example():
    # 180000 fen over floors 1..6 with weights 0,0,10,20,30,40, one room a floor.
    assert split_largest_remainder(180000, [0, 0, 10, 20, 30, 40]) == [0, 0, 18000, 36000, 54000, 72000]


def test_split_ties_go_to_earlier_position():
    # 100 over three equal weights: 33.33 each, one fen left → the first (lowest room code).
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    # 10 over weights 1,2,3,4 (sum 10): exact.
    assert split_largest_remainder(10, [1, 2, 3, 4]) == [1, 2, 3, 4]
    # 7 over 3,3,1 → 3, 3, 1 exactly; 8 over 3,3,1 → 3.43,3.43,1.14 → floors 3,3,1 + 1 to first.
    assert split_largest_remainder(8, [3, 3, 1]) == [4, 3, 1]


def test_split_zero_weights():
    assert split_largest_remainder(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        split_largest_remainder(5, [0, 0])


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=40).filter(lambda w: sum(w) > 0))
def test_split_adds_up_exactly(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights):
        exact = Decimal(total) * weight / weight_sum
        assert abs(part - exact) < 1  # never more than one fen from the exact share
        if weight == 0:
            assert part == 0
