"""`add_years` (pms.core.periods): the same calendar day years later, 29 February → 28 February."""
from datetime import date

import pytest

from pms.core.periods import add_years


@pytest.mark.parametrize(("day", "years", "expected"), [
    (date(2021, 6, 30), 5, date(2026, 6, 30)),
    (date(2024, 2, 29), 2, date(2026, 2, 28)),
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2024, 2, 29), -1, date(2023, 2, 28)),
    (date(2023, 3, 1), 1, date(2024, 3, 1)),
    (date(2026, 12, 31), 0, date(2026, 12, 31)),
])
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected
