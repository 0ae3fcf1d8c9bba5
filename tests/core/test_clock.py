"""The business clock: real time plus an offset that tests set, seen by every thread (the
autouse fixture in tests/conftest.py puts it back to real time after each test)."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from pms.core import clock, periods
from pms.core.db import utcnow


def test_real_time_by_default():
    clock.reset()
    assert clock.is_real()
    before = datetime.now(timezone.utc)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(timezone.utc)


def test_set_today_is_that_hour_in_beijing_and_time_runs_on():
    clock.set_today(date(2026, 12, 31), hour=10)
    first = clock.now()
    assert first.tzinfo == timezone.utc
    assert abs(first - datetime(2026, 12, 31, 2, 0, tzinfo=timezone.utc)) < timedelta(seconds=5)
    time.sleep(0.01)
    assert clock.now() > first  # durations and expiry still work
    assert periods.today() == date(2026, 12, 31) and periods.period_of(periods.today()) == "2026-12"


def test_every_now_of_the_service_reads_it():
    clock.set_today(date(2028, 2, 29), hour=23)
    assert utcnow().date() == date(2028, 2, 29)  # 15:00 UTC
    assert periods.today() == clock.today() == date(2028, 2, 29)
    assert clock.now() - utcnow() < timedelta(seconds=5)


def test_the_business_date_is_beijing_not_utc():
    clock.set_now(datetime(2027, 2, 28, 16, 30, tzinfo=timezone.utc), frozen=True)  # 00:30 on 1 March
    assert periods.today() == date(2027, 3, 1)


def test_a_frozen_clock_stands_still_until_advanced():
    start = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    clock.set_now(start, frozen=True)
    time.sleep(0.01)
    assert clock.now() == start
    clock.advance(hours=2, minutes=5)
    assert clock.now() == start + timedelta(hours=2, minutes=5)
    clock.advance(timedelta(days=-1))
    assert clock.now() == start + timedelta(days=-1, hours=2, minutes=5)


def test_advance_a_running_clock():
    clock.set_today(date(2027, 1, 31))
    clock.advance(days=1)
    assert periods.today() == date(2027, 2, 1)


def test_other_threads_see_the_same_time():
    clock.set_now(datetime(2027, 2, 28, 2, 0, tzinfo=timezone.utc), frozen=True)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(clock.now()))
    thread.start()
    thread.join()
    assert seen == [datetime(2027, 2, 28, 2, 0, tzinfo=timezone.utc)]


def test_reset_is_real_time_again():
    clock.set_today(date(2001, 1, 1))
    clock.reset()
    assert clock.is_real() and clock.now().year >= 2026


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        clock.set_now(datetime(2026, 1, 1))


def test_the_clock_fixture_starts_frozen_on_2_march_and_moves(clock):
    """`clock` (tests/conftest.py): 09:00 on 2 March 2026 in Beijing, standing still."""
    assert clock.value == datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc) == utcnow()
    clock.set_today(date(2026, 12, 31), hour=23)
    assert clock.today() == date(2026, 12, 31) and clock.period() == "2026-12" and clock.period(1) == "2027-01"
    clock.advance(hours=1)
    assert clock.today() == date(2027, 1, 1)
