"""The maintenance clock: one place tests replace to control time (SLAs, warranty, plans)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from pms.core.db import utcnow


def now() -> datetime:
    """The current instant (aware UTC)."""
    return utcnow()


def zone() -> ZoneInfo:
    """The business timezone (Asia/Shanghai unless configured)."""
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def local_date(instant: datetime) -> date:
    """The business date of an instant."""
    return instant.astimezone(zone()).date()


def today() -> date:
    """Today's business date."""
    return local_date(now())
