"""The homes' counts, computed by hand on tests/home/fixtures.py's world (today: Thu 12 March 2026)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pms.billing.services import collection as collection_service
from pms.billing.services import overview as billing
from pms.core.errors import Forbidden
from pms.estates import overview as estate_overview
from pms.estates.models import Estate
from pms.maintenance.services import equipment, kpis
from pms.maintenance.services import overview as maintenance
from pms.home import services as homes
from tests.home.fixtures import NOW, TODAY, add_six_elevators, build, principal


@pytest.fixture
def home_world(db, world, clock):
    return build(db, world, clock)


def test_arrears_by_age_and_over_90_days(db, home_world):
    finance = principal(db, "finance")
    monday, sunday = homes.week_of(TODAY)
    owed = billing.owed_summary(db, finance, TODAY, monday, sunday)
    # r502 Feb: 5000 − 2000 paid = 3000, 25 days; r501 Jan: 10000 − 4000 credited, 56 days;
    # r501 Nov: 10000, 117 days. The other company's Nov bill is paid (and not in scope anyway).
    assert {b: (t.count, t.fen) for b, t in owed.aging().items()} == {
        "0-30": (1, 3000), "31-90": (1, 6000), "91-365": (1, 10000), "365+": (0, 0)}
    over, estates = billing.arrears_older_than(db, finance, TODAY, 90)
    assert (over.count, over.fen) == (1, 10000)
    assert [(e.estate_code, e.count, e.fen) for e in estates] == [("YJL", 1, 10000)]
    # Over 30 days: r501 only (its Nov and Jan bills: one room), 16000.
    over, _estates = billing.arrears_older_than(db, finance, TODAY, 30)
    assert (over.count, over.fen) == (1, 16000)
    # Everything overdue: 3 bills, 19000.
    assert [(e.estate_code, e.count, e.fen) for e in billing.estate_tallies(db, owed.top_estates(overdue=True))] == [
        ("YJL", 3, 19000)]
    assert owed.as_of == NOW  # the fixture's refresh, as the five-minute job's
    # The same snapshot read a year later (2027-03-12): Nov, Jan and Feb are 482, 421 and 390 days
    # overdue (365+: 10000 + 6000 + 3000); March's two bills 362 days (91-365: 16000).
    later = billing.owed_summary(db, finance, TODAY + timedelta(days=365), monday, sunday).aging()
    assert {b: (t.count, t.fen) for b, t in later.items()} == {
        "0-30": (0, 0), "31-90": (0, 0), "91-365": (2, 16000), "365+": (3, 19000)}
    with pytest.raises(Forbidden):
        billing.owed_summary(db, principal(db, "tech"), TODAY, monday, sunday)


def test_due_this_week_payments_today_and_the_run(db, home_world):
    finance = principal(db, "finance")
    monday, sunday = homes.week_of(TODAY)
    assert (monday.isoformat(), sunday.isoformat()) == ("2026-03-09", "2026-03-15")
    owed = billing.owed_summary(db, finance, TODAY, monday, sunday)
    due = owed.in_window()
    assert (due.count, due.fen) == (2, 16000)  # March: r501 10000 + r502 6000, due the 15th
    assert [(e.estate_code, e.count, e.fen) for e in billing.estate_tallies(db, owed.top_estates(overdue=False))] == [
        ("YJL", 2, 16000)]
    today = billing.payments_on(db, finance, TODAY)
    assert (today.count, today.fen) == (1, 2000)  # r502's 2000 (b4's was a week ago; r101 is not ours)
    run = billing.run_state(db, finance, TODAY)
    assert (run.period, run.estates_due, run.estates_billed, run.done) == ("2026-03", 1, 1, True)
    assert run.next_run_on.isoformat() == "2026-04-01"


def test_collection_grid_matches_the_collection_page(db, home_world):
    """The grid (runs − credits − what open bills owe) gives the collection page's own figures."""
    manager = principal(db, "manager")
    months = ["2025-11", "2026-01", "2026-02", "2026-03"]
    grid = billing.collection_grid(db, manager, months)
    # January: r501 10000 − 4000 credited, nothing paid; b4 8000 paid in full →
    # receivable 14000, received 8000, 2 households, 1 fully paid.
    jan = grid[("2026-01", "YJL")]
    assert (jan.receivable_fen, jan.received_fen, jan.households, jan.households_paid) == (14000, 8000, 2, 1)
    assert (jan.rate_by_amount, jan.rate_by_household) == ("57.1", "50.0")
    # February: b4's bill was credited in full (void: not a household billed); r502 paid 2000 of 5000.
    feb = grid[("2026-02", "YJL")]
    assert (feb.receivable_fen, feb.received_fen, feb.households, feb.households_paid) == (5000, 2000, 1, 0)
    for period in months:
        page = collection_service.collection_rates(db, manager, "YJL", period).total
        mine = grid[(period, "YJL")]
        assert (mine.receivable_fen, mine.received_fen, mine.households, mine.households_paid) == (
            page.receivable_fen, page.received_fen, page.households, page.households_paid), period
    assert ("2025-11", "HXY") not in grid  # the other company's estate
    totals = billing.totals_by_period(grid, ["2025-12", "2026-01"])
    assert (totals[0].households, totals[0].rate_by_amount, totals[1].received_fen) == (0, None, 8000)


def test_the_collection_snapshot_is_the_live_grid_as_of_its_refresh(db, world, home_world):
    """The homes' snapshot holds the live figures per (period, estate) as of the refresh, summed per
    period in SQL; what happens after it shows at the next refresh, and the page says when that was."""
    manager = principal(db, "manager")
    months = homes.trend_periods(TODAY)

    def snapshot():
        return billing.collection_snapshot_by_period(db, manager, months)

    def figures(c):
        return (c.period, c.receivable_fen, c.received_fen, c.households, c.households_paid)

    assert snapshot() == ([billing.Collection(p, 0, 0, 0, 0) for p in months], None)  # never refreshed
    written = billing.refresh_collection_snapshot(db, months, now=NOW)
    # The runs of Nov, Jan, Feb and Mar: YJL's four months and HXY's November.
    assert written == 5
    totals, as_of = snapshot()
    assert [figures(c) for c in totals] == [figures(c) for c in billing.collection_by_period(db, manager, months)]
    assert as_of == NOW
    # January: r501 10000 − 4000 credited, nothing paid; b4 8000 paid → 14000 receivable, 8000 received.
    assert figures(totals[months.index("2026-01")]) == ("2026-01", 14000, 8000, 2, 1)
    assert {code: figures(c) for code, c in billing.collection_snapshot_by_estate(db, manager, "2026-01").items()} == {
        "YJL": ("2026-01", 14000, 8000, 2, 1)}  # HXY is the other company's
    # r502 pays the 3000 February still owes: the snapshot keeps the refresh's figures …
    from pms.billing.services import payments
    payments.record_payment(db, principal(db, "finance"), room_code=world.r502.code, amount_fen=3000, channel="cash")
    feb = months.index("2026-02")
    assert figures(snapshot()[0][feb]) == ("2026-02", 5000, 2000, 1, 0)
    # … until the next refresh, which rewrites the rows in place (no duplicate key).
    later = NOW + timedelta(minutes=5)
    assert billing.refresh_collection_snapshot(db, months, now=later) == 5
    totals, as_of = snapshot()
    assert (figures(totals[feb]), as_of) == (("2026-02", 5000, 5000, 1, 1), later)
    # A refresh of one estate touches its rows only; the page's "as of" is the oldest row shown.
    assert billing.refresh_collection_snapshot(db, ["2026-03"], estate_ids=[home_world.bills.r501_nov.estate_id],
                                               now=later + timedelta(minutes=1)) == 1
    assert snapshot()[1] == later
    # A full refresh forgets the months before its window.
    assert billing.refresh_collection_snapshot(db, ["2026-02", "2026-03"], now=later) == 2
    assert [c.households for c in snapshot()[0]] == [0] * 10 + [1, 2]
    with pytest.raises(Forbidden):
        billing.collection_snapshot_by_period(db, principal(db, "tech"), months)
    with pytest.raises(Forbidden):
        billing.collection_snapshot_by_estate(db, principal(db, "tech"), "2026-01")


def test_the_owed_snapshot_is_the_open_bills_as_of_its_refresh(db, world, home_world):
    """One row per estate, period and due date with the open bills and what they owe; a payment
    shows at the next refresh, which rewrites rows in place and drops what is no longer owed."""
    from pms.billing.models import OwedSnapshot
    from pms.billing.services import payments

    def rows():
        return sorted((r.period, r.due_date.isoformat(), r.open_bills, r.owed_fen, r.refreshed_at)
                      for r in db.scalars(select(OwedSnapshot).where(OwedSnapshot.estate_id == world.yjl.id)))

    # Open in YJL: r501 Nov 10000; r501 Jan 10000 − 4000 credited; r502 Feb 5000 − 2000 paid;
    # March r501 10000 + r502 6000. b4's bills are paid or void; HXY's November is paid.
    assert rows() == [("2025-11", "2025-11-15", 1, 10000, NOW), ("2026-01", "2026-01-15", 1, 6000, NOW),
                      ("2026-02", "2026-02-15", 1, 3000, NOW), ("2026-03", "2026-03-15", 2, 16000, NOW)]
    assert db.scalar(select(func.count()).select_from(OwedSnapshot)
                     .where(OwedSnapshot.estate_id == world.hxy.id)) == 0
    # r502 pays the 3000 February still owes and 1000 of March: nothing moves until the refresh …
    payments.record_payment(db, principal(db, "finance"), room_code=world.r502.code, amount_fen=4000, channel="cash")
    assert rows()[2] == ("2026-02", "2026-02-15", 1, 3000, NOW)
    # … which drops February (nothing open) and rewrites March in place.
    later = NOW + timedelta(minutes=5)
    assert billing.refresh_owed_snapshot(db, now=later) == 3
    assert rows() == [("2025-11", "2025-11-15", 1, 10000, later), ("2026-01", "2026-01-15", 1, 6000, later),
                      ("2026-03", "2026-03-15", 2, 15000, later)]
    finance = principal(db, "finance")
    monday, sunday = homes.week_of(TODAY)
    owed = billing.owed_summary(db, finance, TODAY, monday, sunday)
    assert ((owed.in_window().count, owed.in_window().fen), owed.as_of) == ((2, 15000), later)
    # The other company sees its own estates only: nothing is owed there.
    assert billing.owed_summary(db, principal(db, "other_manager"), TODAY, monday, sunday).rows == []


def test_residents_open_bills_and_last_payment(db, home_world):
    resident = principal(db, "resident")  # room YJL-3-2-501
    bills = billing.open_bills_of_own_rooms(db, resident, TODAY)
    assert [(b.period, b.outstanding_fen, b.overdue) for b in bills] == [
        ("2025-11", 10000, True), ("2026-01", 6000, True), ("2026-03", 10000, False)]
    assert billing.last_payment_of_own_rooms(db, resident) is None
    other = principal(db, "other_resident")
    last = billing.last_payment_of_own_rooms(db, other)
    assert (last.room, last.amount_fen) == ("HXY-1-1-101", 7000)
    assert billing.open_bills_of_own_rooms(db, principal(db, "manager"), TODAY) == []


def test_queue_by_urgency_and_risk(db, home_world):
    queue = maintenance.queue_counts(db, principal(db, "manager"), now=NOW)
    assert queue.by_urgency == {"emergency": {"overdue": 1, "at_risk": 0, "on_track": 0},
                                "urgent": {"overdue": 0, "at_risk": 1, "on_track": 0},
                                "normal": {"overdue": 0, "at_risk": 0, "on_track": 1}}
    assert (queue.total, queue.unassigned, queue.risk_total("overdue")) == (3, 2, 1)
    other = maintenance.queue_counts(db, principal(db, "other_manager"), now=NOW)
    assert (other.total, other.risk_total("overdue")) == (1, 1)


def test_elevators_due_and_stopped_agree_with_the_register(db, home_world):
    manager = principal(db, "manager")
    counts = maintenance.elevator_counts(db, manager, TODAY)
    assert (counts.due, counts.stopped) == (1, 1)
    assert equipment.elevator_status(db, home_world.lift, TODAY)[0] == "stopped"
    other = maintenance.elevator_counts(db, principal(db, "other_manager"), TODAY)
    assert (other.due, other.stopped) == (0, 0)


def test_elevators_alike_are_counted_together_each_by_the_rule(db, world, home_world):
    """Six more elevators (fixtures.add_six_elevators), grouped by acceptance day, last result and
    last pass, each group judged once: the same verdict as the register's per elevator. An order
    overdue for a week counts as due."""
    lifts = add_six_elevators(db, world, home_world.lift.estate_id)
    states = {name: equipment.elevator_status(db, lift, TODAY)[0] for name, lift in lifts.items()}
    assert states == {"passed": "in_service", "passed too": "in_service", "lapsed": "stopped",
                      "lapsed too": "stopped", "failed": "stopped", "new": "in_service"}
    counts = maintenance.elevator_counts(db, principal(db, "manager"), TODAY)
    # The fixture's lift (stopped, maintenance due 14 March) and A-3 (its order a week overdue).
    assert (counts.due, counts.stopped) == (2, 1 + 3)


def test_the_elevator_snapshot_is_the_live_count_and_a_result_refreshes_its_estate(app, db, home_world, clock):
    """The manager's home reads the counts as of the five-minute job; recording a result updates its
    estate at once; a lapse shows after the next refresh; another company's estates stay apart."""
    from jobs.maintenance import JOBS, refresh_elevator_snapshot
    from pms.maintenance.models import MaintenancePlan, WorkOrder
    from pms.maintenance.services import equipment as equipment_service

    assert [j.cron for j in JOBS if j.id == "maintenance.elevator_snapshot"] == [{"minute": "*/5"}]
    manager = principal(db, "manager")
    assert maintenance.elevator_snapshot(db, manager) == (maintenance.ElevatorCounts(0, 0), None)
    assert maintenance.refresh_elevator_snapshot(db, today=TODAY, now=NOW) == 1  # YJL: the only estate with one
    counts, as_of = maintenance.elevator_snapshot(db, manager)
    assert ((counts.due, counts.stopped), as_of) == ((1, 1), NOW)
    assert maintenance.elevator_snapshot(db, principal(db, "other_manager"))[0] == maintenance.ElevatorCounts(0, 0)
    # The lapsed 2026-01-10 inspection passes today: the lift runs again, on the home at once.
    lift = home_world.lift
    plan = db.scalar(select(MaintenancePlan).where(MaintenancePlan.equipment_id == lift.id,
                                                   MaintenancePlan.kind == "inspection"))
    order = WorkOrder(plan_id=plan.id, equipment_id=lift.id, estate_id=lift.estate_id, kind="inspection",
                      due_on=TODAY)
    db.add(order)
    db.flush()
    assert maintenance.elevator_snapshot(db, manager)[0].due == 1  # the new order waits for a refresh
    equipment_service.complete_work_order(db, manager, order.id, result="passed")
    counts, _as_of = maintenance.elevator_snapshot(db, manager)
    # Due: the maintenance order of 14 March (the inspection is done); stopped: none.
    assert (counts.due, counts.stopped) == (1, 0)
    assert (counts.due, counts.stopped) == tuple(vars(maintenance.elevator_counts(db, manager, TODAY)).values())
    db.commit()
    # In March 2029 the year-4 inspection (2029-01-10) has lapsed unpassed: the five-minute job sees it.
    clock.set_today(TODAY.replace(year=2029))
    assert refresh_elevator_snapshot(app) == 1
    db.rollback()
    assert maintenance.elevator_snapshot(db, manager)[0].stopped == 1


def test_planned_works_and_monthly_trend(db, home_world):
    manager = principal(db, "manager")
    assert maintenance.planned_works_between(db, manager, NOW, NOW + timedelta(days=7)) == 1
    opened, closed = maintenance.opened_closed_by_month(db, manager, ["2026-01", "2026-02", "2026-03"])
    # February: two filed, both finished (closed 12 Feb, resolved 19 Feb); March: three filed.
    assert (opened, closed) == ([0, 2, 3], [0, 2, 0])


def test_kpis_by_estate_agree_with_the_kpi_page(db, home_world):
    auditor = principal(db, "auditor")
    by_estate = maintenance.kpis_by_estate(db, auditor, "2026-02", now=NOW)
    feb = by_estate["YJL"]
    assert (feb.requests, feb.sla_met, feb.sla_breached, feb.complaints, feb.sla_percent) == (2, 1, 1, 1, "50.0")
    page = kpis.estate_kpis(db, db.scalar(select(Estate).where(Estate.code == "YJL")), "2026-02", now=NOW)
    assert (page.sla_met, page.sla_breached, page.complaints) == (feb.sla_met, feb.sla_breached, feb.complaints)
    assert "HXY" not in by_estate
    households = {e.code: e.households for e in estate_overview.households_by_estate(db, auditor)[0]}
    assert households == {"YJL": 3}
    assert maintenance.per_100(1, 3) == "33.3"  # one complaint over 3 households


def test_each_role_gets_its_home(db, home_world):
    expected = {"resident": "home/resident.html", "manager": "home/manager.html", "admin": "home/manager.html",
                "finance": "home/finance.html", "tech": "home/technician.html", "auditor": "home/auditor.html",
                "carer": "home/care_worker.html"}
    for user, template in expected.items():
        name, context = homes.home_for(db, principal(db, user), now=NOW)
        assert name == template, user
    billing.refresh_collection_snapshot(db, homes.trend_periods(TODAY), now=NOW)  # the job's refresh
    _name, manager = homes.home_for(db, principal(db, "manager"), now=NOW)
    assert manager["unread"] == 2 and manager["works_this_week"] == 1
    assert manager["collection"]["as_of"] == NOW
    assert [(m.period, m.rate_by_amount) for m in manager["collection"]["months"][-3:]] == [
        ("2026-01", "57.1"), ("2026-02", "40.0"), ("2026-03", "0.0")]
    _name, tech = homes.home_for(db, principal(db, "tech"), now=NOW)
    assert [t.id for t in tech["tasks"]] == [home_world.tickets.at_risk.id]
    _name, auditor = homes.home_for(db, principal(db, "auditor"), now=NOW)
    assert [(r["estate"].code, r["complaints_per_100"]) for r in auditor["rows"]] == [("YJL", "33.3")]
    _name, resident = homes.home_for(db, principal(db, "resident"), now=NOW)
    assert (resident["due_fen"], resident["due_by"].isoformat(), resident["overdue"]) == (26000, "2025-11-15", True)
    assert [w.title for w in resident["works"]] == ["厨房上水管更换"]
    assert [t.id for t, _step in resident["requests"]] == [home_world.tickets.overdue.id]
