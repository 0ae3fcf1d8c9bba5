"""Business dates and billing periods (YYYY-MM) in the service's timezone.

Bounds, decided once here: every period, business date and instant the service accepts from outside
(API, pages, CLI, fee plan documents) lies in the years MIN_YEAR..MAX_YEAR (2000–2100). The
estates were renovated this century and a bill or a planned work beyond 2100 is a typo; inside the
bounds every date computation (a period plus a month, a day plus 365 days, an instant in UTC) stays
far from the limits of `datetime` (years 1–9999), so no input can overflow one into a 500.
Periods are ASCII `YYYY-MM` only (no full-width digits, no year 0000).
"""
from __future__ import annotations

import calendar
import re
from datetime import date

# The business timezone and today's date live in the clock; named here too for the callers
# not yet converted (billing, estates).
from pms.core.clock import timezone, today  # noqa: F401

MIN_YEAR, MAX_YEAR = 2000, 2100
FIRST_DAY, LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
# ASCII digits only (`\d` alone also matches full-width digits: ２０２６-01), and \Z, not $, which
# would let a trailing newline through. PERIOD_PATTERN is the same rule for JSON Schema (OpenAPI).
PERIOD_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z", re.ASCII)
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _split(text: str) -> tuple[int, int]:
    match = PERIOD_RE.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not a period (YYYY-MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


def parse_period(text: str) -> tuple[int, int]:
    """'2026-11' → (2026, 11); ValueError when it is not YYYY-MM or outside MIN_YEAR..MAX_YEAR."""
    year, month = _split(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"period outside {MIN_YEAR}-{MAX_YEAR}: {text!r}")
    return year, month


def is_period(text: str) -> bool:
    """Whether `text` is an ASCII YYYY-MM period within MIN_YEAR..MAX_YEAR."""
    try:
        parse_period(text)
    except ValueError:
        return False
    return True


def in_bounds(day: date) -> bool:
    """Whether a business date (or an instant's date) lies within MIN_YEAR..MAX_YEAR."""
    return MIN_YEAR <= day.year <= MAX_YEAR


def period_of(day: date) -> str:
    """The period a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(period: str, months: int) -> str:
    """'2026-11' + 2 → '2027-01' (arithmetic: the result may leave MIN_YEAR..MAX_YEAR)."""
    year, month = _split(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def day_in_period(period: str, day: int) -> date:
    """The `day` of the period's month, clamped to its last day (due day 31 in February → 28/29)."""
    year, month = _split(period)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February → 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def first_day(period: str) -> date:
    year, month = _split(period)
    return date(year, month, 1)


def last_day(period: str) -> date:
    """The last day of a period (2026-02 → 2026-02-28)."""
    year, month = _split(period)
    return date(year, month, calendar.monthrange(year, month)[1])
