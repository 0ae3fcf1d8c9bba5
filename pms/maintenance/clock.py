"""The maintenance view of the business clock (`pms.core.clock`): SLAs, warranty, plans."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pms.core import clock, periods


def now() -> datetime:
    """The current instant (aware UTC)."""
    return clock.now()


def zone() -> ZoneInfo:
    """The business timezone (Asia/Shanghai unless configured)."""
    return periods.timezone()


def local_date(instant: datetime) -> date:
    """The business date of an instant."""
    return periods.today(instant)


def today() -> date:
    """Today's business date."""
    return periods.today()
