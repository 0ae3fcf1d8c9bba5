"""The table helpers: durations in days and hours, server-side sorting and its query argument."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from marshmallow import Schema, ValidationError

from pms.core.codes import natural_key
from pms.core.sorting import sort_choices, sort_field, sort_rows, split
from pms.core.templating import duration


@pytest.mark.parametrize("minutes, english, chinese", [
    (0, "0 minutes", "0 分钟"),
    (1, "1 minute", "1 分钟"),
    (59, "59 minutes", "59 分钟"),
    (60, "1 hour", "1 小时"),
    (125, "2 hours 5 minutes", "2 小时 5 分钟"),
    (24 * 60 - 1, "23 hours 59 minutes", "23 小时 59 分钟"),
    (24 * 60, "1 day", "1 天"),
    (3 * 1440 + 4 * 60 + 59, "3 days 4 hours", "3 天 4 小时"),      # minutes below a day's hours drop
    (6 * 1440 + 23 * 60, "6 days 23 hours", "6 天 23 小时"),
    (7 * 1440 + 5 * 60, "7 days", "7 天"),                          # a week on: days only
    (928 * 60, "38 days", "38 天"),                                 # the '928 小时' of the issue
    (-(928 * 60 + 30), "38 days", "38 天"),                         # late: the sign is the caller's
    (90.7, "1 hour 30 minutes", "1 小时 30 分钟"),                   # KPI medians are floats: rounded down
])
def test_duration_reads_as_people_say_it(app, minutes, english, chinese):
    with app.test_request_context("/?lang=en"):
        assert duration(minutes) == english
    with app.test_request_context("/?lang=zh_CN"):
        assert duration(minutes) == chinese


def test_duration_of_nothing_is_blank(app):
    with app.test_request_context("/"):
        assert duration(None) == ""


@dataclass
class Row:
    code: str
    fen: int | None


ROWS = [Row("10", 500), Row("2", 900), Row("1", 500), Row("B", None)]
KEYS = {"code": lambda r: natural_key(r.code), "amount": lambda r: r.fen}


def test_sort_rows_both_ways_with_natural_ties_and_blanks_last():
    tie = KEYS["code"]
    assert [r.code for r in sort_rows(ROWS, None, KEYS, tie=tie)] == ["1", "2", "10", "B"]
    assert [r.code for r in sort_rows(ROWS, "code", KEYS)] == ["1", "2", "10", "B"]
    assert [r.code for r in sort_rows(ROWS, "-code", KEYS)] == ["B", "10", "2", "1"]
    # 500 twice: 1 before 10 both ways (natural order breaks ties); no amount: last both ways
    assert [r.code for r in sort_rows(ROWS, "amount", KEYS, tie=tie)] == ["1", "10", "2", "B"]
    assert [r.code for r in sort_rows(ROWS, "-amount", KEYS, tie=tie)] == ["2", "1", "10", "B"]


def test_split_and_choices():
    assert split("-amount") == ("amount", True) and split("amount") == ("amount", False)
    assert split(None) == (None, False)
    assert sort_choices(["a", "b"]) == ["a", "b", "-a", "-b"]


class _Query(Schema):
    sort = sort_field(["room", "outstanding"], default="room")


def test_sort_field_accepts_the_page_keys_only(app):
    with app.test_request_context("/?lang=en"):
        assert _Query().load({}) == {"sort": "room"}
        assert _Query().load({"sort": "-outstanding"}) == {"sort": "-outstanding"}
        with pytest.raises(ValidationError) as err:
            _Query().load({"sort": "owners; drop table"})
        assert "room, outstanding, -room, -outstanding" in str(err.value.messages["sort"][0])
