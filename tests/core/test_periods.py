"""Business periods and dates."""
from datetime import date, datetime, timezone

import pytest

from pms.core.periods import add_months, day_in_period, parse_period, period_of, today


def test_parse_and_add():
    assert parse_period("2026-11") == (2026, 11)
    assert add_months("2026-11", 2) == "2027-01"
    assert add_months("2026-01", -1) == "2025-12"
    for bad in ["2026-13", "2026-1", "26-01", ""]:
        with pytest.raises(ValueError):
            parse_period(bad)


def test_due_day_clamped_to_month_end():
    assert day_in_period("2026-02", 31) == date(2026, 2, 28)
    assert day_in_period("2028-02", 31) == date(2028, 2, 29)
    assert day_in_period("2026-11", 15) == date(2026, 11, 15)


def test_today_is_in_shanghai():
    # 2026-11-30 17:30 UTC is already 1 December in Beijing.
    assert today(datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc)) == date(2026, 12, 1)
    assert period_of(date(2026, 12, 1)) == "2026-12"
