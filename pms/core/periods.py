"""Business dates and billing periods (YYYY-MM) in the service's timezone."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from pms.core import clock

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def timezone() -> ZoneInfo:
    """The business timezone (PMS_TIMEZONE, default Asia/Shanghai)."""
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def today(now: datetime | None = None) -> date:
    """The business date of `now` (default: the business clock's current instant)."""
    now = now or clock.now()
    return now.astimezone(timezone()).date()


def parse_period(text: str) -> tuple[int, int]:
    """'2026-11' → (2026, 11); ValueError otherwise."""
    match = PERIOD_RE.match(text or "")
    if not match:
        raise ValueError(f"not a period (YYYY-MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


def is_period(text: str) -> bool:
    return bool(PERIOD_RE.match(text or ""))


def period_of(day: date) -> str:
    """The period a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(period: str, months: int) -> str:
    """'2026-11' + 2 → '2027-01'."""
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def day_in_period(period: str, day: int) -> date:
    """The `day` of the period's month, clamped to its last day (due day 31 in February → 28/29)."""
    year, month = parse_period(period)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def first_day(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, 1)
