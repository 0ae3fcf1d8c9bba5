"""The business timezone and today's business date come from the one clock (pms.core.clock)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pms.core import clock, periods


def test_business_timezone_defaults_to_shanghai_without_an_app():
    assert clock.timezone() == ZoneInfo("Asia/Shanghai")


def test_business_timezone_follows_the_configuration(app):
    app.config["TIMEZONE"] = "Asia/Urumqi"
    with app.app_context():
        assert clock.timezone() == ZoneInfo("Asia/Urumqi")


def test_today_of_an_instant_is_the_shanghai_date():
    # 15:59 UTC is 23:59 in Beijing; 16:00 UTC is already the next day there.
    assert clock.today(datetime(2026, 2, 28, 15, 59, tzinfo=timezone.utc)) == date(2026, 2, 28)
    assert clock.today(datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)) == date(2026, 3, 1)
    assert clock.today(datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)) == date(2027, 1, 1)


def test_today_reads_the_clock_that_tests_set():
    clock.set_today(date(2028, 2, 29), hour=0, frozen=True)
    try:
        assert clock.now() == datetime(2028, 2, 28, 16, 0, tzinfo=timezone.utc)
        assert clock.today() == date(2028, 2, 29)
        assert periods.today is clock.today and periods.timezone is clock.timezone  # one clock
    finally:
        clock.reset()
