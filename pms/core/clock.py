"""The business clock: the one source of "now", of the business timezone and of today's business
date for every domain (`db.utcnow` reads it too). Tests move it; in production it is the real time.

The clock is real time plus an offset, kept at module level so every thread sees the same time
(a live test server's threads too). After `set_now`/`set_today` time keeps running from the set
point, so durations, token expiry and lock-outs still behave; a frozen clock (`frozen=True`)
stands still until moved, for tests that compare exact timestamps.

Durations and performance timing (`time.perf_counter`) do not go through this clock.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from datetime import timezone as _tz
from typing import NamedTuple, Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


class _State(NamedTuple):
    offset: timedelta                # added to the real time
    frozen_at: Optional[datetime]    # when set, the time stands here


_REAL = _State(timedelta(0), None)
# One immutable tuple, replaced whole: a reader in another thread sees the old or the new state.
_state = _REAL


def _real_now() -> datetime:
    return datetime.now(_tz.utc)


def now() -> datetime:
    """The current instant, aware, in UTC."""
    state = _state
    if state.frozen_at is not None:
        return state.frozen_at
    return _real_now() + state.offset


def timezone() -> ZoneInfo:
    """The business timezone (PMS_TIMEZONE, default Asia/Shanghai)."""
    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai")


def today(instant: Optional[datetime] = None) -> date:
    """The business date of `instant` (default: the current instant)."""
    return (instant or now()).astimezone(timezone()).date()


def start_of_day_utc(day: date) -> datetime:
    """The first instant of business day `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=timezone()).astimezone(_tz.utc)


def set_now(instant: datetime, *, frozen: bool = False) -> None:
    """Make `instant` (aware) the current instant; time runs on from it unless `frozen`."""
    global _state
    if instant.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    instant = instant.astimezone(_tz.utc)
    _state = _State(timedelta(0), instant) if frozen else _State(instant - _real_now(), None)


def set_today(day: date, hour: int = 10, *, frozen: bool = False) -> None:
    """Make it `hour`:00 on `day` in the business timezone (Asia/Shanghai unless configured)."""
    set_now(datetime.combine(day, time(hour), tzinfo=timezone()), frozen=frozen)


def advance(delta: Optional[timedelta] = None, **units: int) -> None:
    """Move the clock forward (or back, with a negative delta): `advance(hours=2)`."""
    global _state
    step = (delta or timedelta(0)) + timedelta(**units)
    state = _state
    if state.frozen_at is not None:
        _state = _State(timedelta(0), state.frozen_at + step)
    else:
        _state = _State(state.offset + step, None)


def is_real() -> bool:
    """True while the clock shows the real time (nobody has set it)."""
    return _state == _REAL


def reset() -> None:
    """Back to the real time."""
    global _state
    _state = _REAL
