"""Jinja filters and globals shared by every page and PDF."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import ngettext

from pms.core import charts, clock
from pms.core.auth import current_principal, has_own_rooms, may_do
from pms.core.money import fen_to_yuan_text, format_fen

# From this many days on, hours no longer matter to a reader ("超时 38 天", not "38 天 5 小时").
DAYS_ONLY_FROM = 7


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC timestamp shown in the service's timezone."""
    if value is None:
        return ""
    return value.astimezone(clock.timezone()).strftime(fmt)


def duration(minutes: int | float | None) -> str:
    """A span of minutes as people say it: '20 分钟', '4 小时 20 分钟', '3 天 4 小时', '38 天'.

    Rounded down to the unit shown (never longer than it was); the sign is ignored, the caller
    says whether it is 'left' or 'late'.
    """
    if minutes is None:
        return ""
    total = abs(int(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    day_text = ngettext("%(num)d day", "%(num)d days", days)
    hour_text = ngettext("%(num)d hour", "%(num)d hours", hours)
    if days >= DAYS_ONLY_FROM:
        return day_text
    if days:
        return f"{day_text} {hour_text}" if hours else day_text  # a space joins them in both languages
    min_text = ngettext("%(num)d minute", "%(num)d minutes", mins)
    if hours:
        return f"{hour_text} {min_text}" if mins else hour_text
    return min_text


def area_m2(centi_m2: int | None) -> str:
    """8655 → '86.55'."""
    if centi_m2 is None:
        return ""
    whole, frac = divmod(int(centi_m2), 100)
    return f"{whole}.{frac:02d}"


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def may(action: str) -> bool:
    """Whether the caller may do `<domain>.<action>` by that domain's permissions.py table."""
    return may_do(current_principal(), action)


def init_app(app) -> None:
    """Register filters, the charts, and the principal and `may` as globals (the unread count:
    `pms.notifications.services.init_app`)."""
    app.jinja_env.filters.update(fen=format_fen, yuan=fen_to_yuan_text, local_time=local_time, area=area_m2,
                                  iso_date=iso_date, duration=duration)
    app.jinja_env.globals.update(current_principal=current_principal, may=may,
                                 has_own_rooms=lambda: has_own_rooms(current_principal()))
    charts.init_app(app)
