"""Jinja filters and globals shared by every page and PDF."""
from __future__ import annotations

from datetime import date, datetime

from pms.core import clock
from pms.core.auth import current_principal
from pms.core.money import fen_to_yuan_text, format_fen


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC timestamp shown in the service's timezone."""
    if value is None:
        return ""
    return value.astimezone(clock.timezone()).strftime(fmt)


def area_m2(centi_m2: int | None) -> str:
    """8655 → '86.55'."""
    if centi_m2 is None:
        return ""
    whole, frac = divmod(int(centi_m2), 100)
    return f"{whole}.{frac:02d}"


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def init_app(app) -> None:
    """Register filters and the principal as a template global."""
    app.jinja_env.filters.update(fen=format_fen, yuan=fen_to_yuan_text, local_time=local_time, area=area_m2,
                                  iso_date=iso_date)
    app.jinja_env.globals["current_principal"] = current_principal
