"""Pure rules with hand-computed dates and numbers."""
from datetime import date, datetime, timezone

import pytest

from pms.maintenance import rules


def test_sla_defaults_and_deadlines():
    assert rules.SLA_DEFAULTS == {"emergency": (30, 1440), "urgent": (120, 4320), "normal": (1440, 10080)}
    t0 = datetime(2026, 3, 2, 23, 50, tzinfo=timezone.utc)
    assert rules.sla_deadlines(t0, 30, 1440) == (datetime(2026, 3, 3, 0, 20, tzinfo=timezone.utc),
                                                 datetime(2026, 3, 3, 23, 50, tzinfo=timezone.utc))
    # normal: 24 h / 7 days across a month end
    assert rules.sla_deadlines(datetime(2026, 2, 27, 10, 0, tzinfo=timezone.utc), 1440, 10080) == (
        datetime(2026, 2, 28, 10, 0, tzinfo=timezone.utc), datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize("kind, accepted, last_day", [
    ("roof_waterproofing", date(2021, 6, 30), date(2026, 6, 30)),
    ("exterior_wall", date(2021, 6, 30), date(2026, 6, 30)),
    ("wet_room_waterproofing", date(2020, 1, 1), date(2025, 1, 1)),
    ("insulation", date(2022, 5, 10), date(2027, 5, 10)),
    ("electrical", date(2024, 3, 1), date(2026, 3, 1)),
    ("water_pipes", date(2024, 2, 29), date(2026, 2, 28)),  # no 29 Feb in 2026: the month end
    ("elevator", date(2023, 9, 15), date(2025, 9, 15)),
    # heating: two full seasons (15 Nov – 15 Mar) starting on/after acceptance
    ("heating", date(2023, 6, 30), date(2025, 3, 15)),
    ("heating", date(2023, 11, 15), date(2025, 3, 15)),   # accepted on the season's first day: it counts
    ("heating", date(2023, 11, 16), date(2026, 3, 15)),   # mid-season: the running season does not count
    ("heating", date(2024, 1, 10), date(2026, 3, 15)),
])
def test_warranty_ends(kind, accepted, last_day):
    assert rules.warranty_ends_on(kind, accepted) == last_day


def test_every_component_kind_has_a_warranty_rule():
    for kind in rules.COMPONENT_KINDS:
        rules.warranty_ends_on(kind, date(2024, 1, 1))
    with pytest.raises(ValueError):
        rules.warranty_ends_on("moat", date(2024, 1, 1))


def test_tsg_inspection_years():
    dues = list(rules.inspection_due_dates(date(2008, 5, 20), date(2026, 12, 31)))
    assert dues == [date(2009, 5, 20), date(2012, 5, 20), date(2015, 5, 20), date(2017, 5, 20),
                    date(2019, 5, 20), date(2021, 5, 20), date(2023, 5, 20), date(2024, 5, 20),
                    date(2025, 5, 20), date(2026, 5, 20)]


def test_maintenance_every_15_days():
    assert list(rules.maintenance_due_dates(date(2026, 1, 1), date(2026, 2, 15))) == [
        date(2026, 1, 16), date(2026, 1, 31), date(2026, 2, 15)]
    # from a later day: the first due date on or after it
    assert list(rules.maintenance_due_dates(date(2026, 1, 1), date(2026, 3, 5), since=date(2026, 2, 1))) == [
        date(2026, 2, 15), date(2026, 3, 2)]
    assert list(rules.maintenance_due_dates(date(2026, 1, 1), date(2026, 2, 20), since=date(2026, 1, 31))) == [
        date(2026, 1, 31), date(2026, 2, 15)]


def test_overlap_is_half_open():
    t = lambda h: datetime(2026, 3, 2, h, tzinfo=timezone.utc)  # noqa: E731
    assert rules.overlaps(t(1), t(3), t(2), t(4))
    assert rules.overlaps(t(1), t(5), t(2), t(3))
    assert not rules.overlaps(t(1), t(3), t(3), t(5))


def test_median_and_nearest_rank_p90():
    assert rules.median([]) is None
    assert rules.median([5, 1, 3]) == 3
    assert rules.median([4, 1, 3, 10]) == 3.5
    values = list(range(1, 11))  # 1..10: rank ceil(0.9*10)=9 → 9
    assert rules.percentile_nearest_rank(values, 90) == 9
    assert rules.percentile_nearest_rank([7, 1, 3], 90) == 7  # ceil(2.7)=3 → the largest
    assert rules.percentile_nearest_rank([42], 90) == 42


def test_workflow_table():
    assert rules.next_statuses("submitted") == ["accepted", "cancelled"]
    assert rules.next_statuses("resolved") == ["closed", "reopened"]
    assert rules.next_statuses("reopened") == ["assigned", "in_progress"]
    assert rules.next_statuses("closed") == [] and rules.next_statuses("cancelled") == []


def test_last_inspection_due_before_is_the_schedules_last_day_before_today():
    """The O(1) rule agrees with the schedule, day by day, around every scheduled year and 29 February."""
    from datetime import date, timedelta

    from pms.maintenance.rules import inspection_due_dates, last_inspection_due_before

    # By hand: accepted 2010-06-15 → years 1, 4, 7, 9, 11, 13, 15, then 16, 17 …
    assert last_inspection_due_before(date(2010, 6, 15), date(2011, 6, 15)) is None  # the first is due today
    assert last_inspection_due_before(date(2010, 6, 15), date(2011, 6, 16)) == date(2011, 6, 15)
    assert last_inspection_due_before(date(2010, 6, 15), date(2017, 1, 1)) == date(2014, 6, 15)  # year 4
    assert last_inspection_due_before(date(2010, 6, 15), date(2026, 6, 16)) == date(2026, 6, 15)  # year 16
    for accepted in (date(2010, 6, 15), date(2008, 2, 29), date(1999, 12, 31), date(2000, 1, 1)):
        day = accepted - timedelta(days=3)
        while day < date(2030, 1, 1):
            past = [d for d in inspection_due_dates(accepted, day) if d < day]
            assert last_inspection_due_before(accepted, day) == (past[-1] if past else None), (accepted, day)
            day += timedelta(days=5)
        for due in inspection_due_dates(accepted, date(2040, 1, 1)):  # each boundary exactly
            for day in (due - timedelta(days=1), due, due + timedelta(days=1)):
                past = [d for d in inspection_due_dates(accepted, day) if d < day]
                assert last_inspection_due_before(accepted, day) == (past[-1] if past else None), (accepted, day)
