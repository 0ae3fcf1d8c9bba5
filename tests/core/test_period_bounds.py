"""The one place periods and dates are bounded (core.periods) and the fields that use it (core.api)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import Schema

from pms.core import periods
from pms.core.api import load_data
from pms.core.fields import BusinessDate, Instant, Period, utc_text
from pms.core.errors import Invalid


@pytest.mark.parametrize("text", ["0000-01", "0074-02", "1999-12", "2101-01", "9999-12", "２０２６-01",
                                  "2026-０１", "٢٠٢٦-01", "2026-01\n", " 2026-01", "2026-1", "", None, 202601])
def test_what_is_not_a_period(text):
    assert not periods.is_period(text)
    with pytest.raises(ValueError):
        periods.parse_period(text)


@pytest.mark.parametrize("text", ["2000-01", "2026-03", "2100-12"])
def test_periods_within_the_bounds(text):
    assert periods.is_period(text) and periods.parse_period(text) == (int(text[:4]), int(text[5:]))


def test_arithmetic_may_leave_the_bounds_without_failing():
    assert periods.add_months("2100-12", 1) == "2101-01"
    assert periods.first_day("2100-12") == date(2100, 12, 1)


def test_every_date_computation_inside_the_bounds_stays_inside_datetime():
    last = datetime.combine(periods.LAST_DAY, datetime.max.time(), tzinfo=timezone(timedelta(hours=-14)))
    first = datetime.combine(periods.FIRST_DAY, datetime.min.time(), tzinfo=timezone(timedelta(hours=14)))
    assert (last.astimezone(timezone.utc) + timedelta(days=3650)).year < 9999
    assert (first.astimezone(timezone.utc) - timedelta(days=3650)).year > 1


class _Input(Schema):
    period = Period()
    day = BusinessDate()
    at = Instant()


@pytest.mark.parametrize("data, field", [
    ({"period": "0000-01"}, "period"), ({"period": "２０２６-01"}, "period"), ({"period": "9999-12"}, "period"),
    ({"day": "9999-12-31"}, "day"), ({"day": "0001-01-01"}, "day"), ({"day": "1999-12-31"}, "day"),
    ({"at": "0001-01-01T00:00:00+14:00"}, "at"), ({"at": "0074-02-23T23:11:14Z"}, "at"),
    ({"at": "9999-12-31T23:59:59-14:00"}, "at"), ({"at": "2026-03-01T10:00:00"}, "at"),
])
def test_fields_refuse_out_of_bounds_values_with_one_message_per_field(app, data, field):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(Invalid) as caught:
            load_data(_Input(), data)
    messages = caught.value.fields[field]
    # one whole message, never a string split into its characters
    assert len(messages) == 1 and len(messages[0]) > 10, messages


def test_fields_accept_the_bounds(app):
    with app.test_request_context("/"):
        loaded = load_data(_Input(), {"period": "2100-12", "day": "2000-01-01", "at": "2000-01-01T00:00:00+14:00"})
    assert loaded["period"] == "2100-12" and loaded["day"] == date(2000, 1, 1)
    assert loaded["at"].astimezone(timezone.utc) == datetime(1999, 12, 31, 10, tzinfo=timezone.utc)


def test_instants_are_written_with_four_digit_years():
    assert utc_text(datetime(74, 2, 23, 23, 11, 14, tzinfo=timezone.utc)) == "0074-02-23T23:11:14Z"
    assert utc_text(datetime(2026, 1, 5, 16, 30, tzinfo=timezone(timedelta(hours=8)))) == "2026-01-05T08:30:00Z"
    assert utc_text(None) is None
