"""Billing runs: every rule with hand-computed numbers, numbering, succession, idempotency."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pms.billing.services.ledger import first_unbalanced_entry
from pms.billing.models import Bill, BillingRun, BillLine, NumberCounter, JournalEntry, JournalLine
from pms.billing.services.plans import apply_fee_plan
from pms.billing.services.runs import run_billing
from pms.core.errors import Invalid
from tests import factories as f
from tests.billing.helpers import build_estate, plan

FEB = date(2026, 2, 10)


@pytest.fixture(autouse=True)
def _request(app, db):
    """Messages are translated per request; services raise translated errors."""
    with app.test_request_context():
        yield


@pytest.fixture
def estate(db):
    company = f.make_company(db, "ACME", "安居物业")
    district = f.make_district(db, "110112", "通州区")
    yjl = f.make_estate(db, "YJL", "云景里", company, district)
    build_estate(db, yjl)
    apply_fee_plan(db, yjl, plan())
    db.commit()
    return yjl


def lines_by_room(db, period):
    rows = db.execute(select(Bill.number, BillLine.item_code, BillLine.amount_fen, BillLine.subsidy_fen,
                             BillLine.room_id)
                      .join(Bill, Bill.id == BillLine.bill_id).where(Bill.period == period)).all()
    from pms.estates.models import Room
    codes = dict(db.execute(select(Room.id, Room.code)).all())
    out: dict = {}
    for _number, item, amount, subsidy, room_id in rows:
        out.setdefault(codes[room_id].split("-", 1)[1], {})[item] = (amount, subsidy)
    return out


def test_a_run_bills_every_rule_by_hand(db, estate):
    result = run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    assert result.created and result.bills_created == 13
    lines = lines_by_room(db, "2026-02")
    # area, half-up: 86.50 m² × 1.21 = 104.665 → 104.67; 86.55 × 1.21 = 104.7255 → 104.73
    # subsidy 50 % in 2026-02: 10467 × 50 % = 5233.5 → 5234; 10473 → 5236.5 → 5237
    assert lines["3-2-101"] == {"PROPERTY": (10467, 5234)}
    assert lines["3-2-102"] == {"PROPERTY": (10473, 5237)}
    # shop: 50.01 m² × 3.00 = 150.03, the commercial rate only (usages)
    assert lines["1-1-101"] == {"SHOP": (15003, 0)}
    shop = {k.split("-")[2]: v for k, v in lines.items() if k.startswith("3-2-")}
    # elevator 180007 fen over weights 0/0/10/20/30/40 × 2 rooms: W = 200
    #   floor 3: 1800070 / 200 = 9000 r 70; floor 4: 18000 r 140; floor 5: 27001 r 10;
    #   floor 6: 36001 r 80 → floors sum 180004, 3 fen left → 401, 402 (r 140), 601 (r 80, lower code)
    expected_elevator = {"301": 9000, "302": 9000, "401": 18001, "402": 18001, "501": 27001,
                         "502": 27001, "601": 36002, "602": 36001}
    got = {room: items["ELEVATOR"][0] for room, items in shop.items() if "ELEVATOR" in items}
    assert got == expected_elevator and sum(got.values()) == 180007
    assert "ELEVATOR" not in shop["201"]  # weight 0 → no line
    assert shop["501"]["PARKING"] == (15000, 0)
    assert sum(1 for items in shop.values() if "PARKING" in items) == 1


def test_shop_and_bill_totals(db, estate):
    run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    shop = db.scalar(select(Bill).join(BillLine, BillLine.bill_id == Bill.id)
                     .where(BillLine.item_code == "SHOP"))
    assert (shop.total_fen, shop.subsidy_fen, shop.payable_fen) == (15003, 0, 15003)
    bill_501 = db.scalar(select(Bill).where(Bill.number == "ACME-2026-000010"))
    # 501: property 10467 (subsidy 5234) + elevator 27001 + parking 15000
    assert (bill_501.total_fen, bill_501.subsidy_fen, bill_501.payable_fen) == (52468, 5234, 47234)
    assert bill_501.due_date == date(2026, 2, 15) and bill_501.status == "open"
    run = db.scalar(select(BillingRun))
    totals = db.execute(select(func.sum(Bill.total_fen), func.sum(Bill.subsidy_fen))).one()
    assert (run.total_fen, run.subsidy_fen, run.payable_fen) == (totals[0], totals[1], totals[0] - totals[1])
    # 6 × (10467 + 10473) + 15003 + 180007 + 15000
    assert run.total_fen == 6 * (10467 + 10473) + 15003 + 180007 + 15000


def test_numbers_follow_room_code_order_and_are_gap_free(db, estate):
    run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    from pms.estates.models import Room
    rows = db.execute(select(Bill.seq, Bill.number, Room.code).join(Room, Room.id == Bill.room_id)
                      .order_by(Bill.seq)).all()
    assert [r.seq for r in rows] == list(range(1, 14))
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    assert rows[0].number == "ACME-2026-000001" and rows[0].code == "YJL-1-1-101"
    assert db.scalar(select(NumberCounter.last_seq)) == 13


def test_full_subsidy_gives_a_paid_bill_and_ledger_balances(db, estate):
    result = run_billing(db, estate, "2026-01", today=date(2026, 1, 5))
    db.commit()
    lines = lines_by_room(db, "2026-01")
    assert lines["3-2-101"]["PROPERTY"] == (10467, 10467)  # 100 %
    # 201 has only the property line (weight 0, no parking): payable 0 → issued paid
    bill = db.scalar(select(Bill).where(Bill.number == "ACME-2026-000004"))
    assert (bill.total_fen, bill.payable_fen, bill.status) == (10467, 0, "paid")
    assert first_unbalanced_entry(db) is None
    # One summary entry for the estate's run; the bills are its sub-ledger.
    entry = db.scalar(select(JournalEntry))
    assert (entry.kind, entry.source_type, entry.source_id, entry.memo) == ("bill", "billing_run", result.run_id,
                                                                           "bills 2026-01")
    revenue = dict(db.execute(select(JournalLine.item_code, JournalLine.amount_fen)
                              .where(JournalLine.account == "revenue")).all())
    billed = dict(db.execute(select(BillLine.item_code, func.sum(BillLine.amount_fen))
                             .group_by(BillLine.item_code)).all())
    assert revenue == {code: -fen for code, fen in billed.items()}  # one revenue line per item
    subsidy = db.execute(select(JournalLine.item_code, JournalLine.program_id, JournalLine.amount_fen)
                         .where(JournalLine.account == "subsidy_receivable")).all()
    assert [(code, fen) for code, _program, fen in subsidy] == [("PROPERTY", 125640)]
    by_account = dict(db.execute(select(JournalLine.account, func.sum(JournalLine.amount_fen))
                                 .group_by(JournalLine.account)).all())
    assert by_account["revenue"] == -result.total_fen
    assert by_account["subsidy_receivable"] == result.subsidy_fen
    assert by_account["receivable"] == result.payable_fen
    receivable = db.execute(select(JournalLine.room_id, func.sum(JournalLine.amount_fen))
                            .where(JournalLine.account == "receivable").group_by(JournalLine.room_id)).all()
    payable = dict(db.execute(select(Bill.room_id, Bill.payable_fen).where(Bill.payable_fen > 0)).all())
    assert dict(receivable) == payable


def test_due_day_31_is_clamped_in_february(db):
    company, district = f.make_company(db), f.make_district(db)
    estate = f.make_estate(db, "YJL", "云景里", company, district)
    build_estate(db, estate)
    apply_fee_plan(db, estate, plan(due_day=31, subsidies=[]))
    run_billing(db, estate, "2026-02", today=FEB)
    run_billing(db, estate, "2026-03", today=FEB)
    run_billing(db, estate, "2028-02", today=date(2028, 2, 1))
    dues = {p: d for p, d in db.execute(select(Bill.period, Bill.due_date).distinct())}
    assert dues == {"2026-02": date(2026, 2, 28), "2026-03": date(2026, 3, 31),
                    "2028-02": date(2028, 2, 29)}


def test_numbering_is_gap_free_across_estates_of_a_company_and_restarts_each_year(db):
    company, district = f.make_company(db), f.make_district(db)
    first = f.make_estate(db, "AAA", "甲", company, district)
    second = f.make_estate(db, "BBB", "乙", company, district)
    build_estate(db, first)
    build_estate(db, second)
    apply_fee_plan(db, first, plan(estate="AAA", subsidies=[], effective_from="2026-11",
                                   items=plan()["items"][:3]))
    apply_fee_plan(db, second, plan(estate="BBB", subsidies=[], effective_from="2026-11",
                                    items=plan()["items"][:3]))
    nov = date(2026, 11, 20)
    run_billing(db, first, "2026-11", today=nov)
    run_billing(db, second, "2026-11", today=nov)
    run_billing(db, first, "2026-12", today=nov)
    run_billing(db, second, "2026-12", today=date(2027, 1, 2))  # issued in 2027
    db.commit()
    seqs = db.execute(select(Bill.year, Bill.seq, Bill.estate_id, Bill.period).order_by(Bill.year, Bill.seq)).all()
    y2026 = [s for s in seqs if s.year == 2026]
    y2027 = [s for s in seqs if s.year == 2027]
    assert [s.seq for s in y2026] == list(range(1, 40))  # 3 runs × 13 bills, no gap
    assert [s.estate_id for s in y2026[:13]] == [first.id] * 13
    assert [s.estate_id for s in y2026[13:26]] == [second.id] * 13
    assert [s.seq for s in y2027] == list(range(1, 14))
    numbers = set(db.scalars(select(Bill.number)))
    assert "ACME-2026-000039" in numbers and "ACME-2027-000013" in numbers


def test_plan_succession_bills_older_periods_with_the_old_plan(db, estate):
    newer = plan(effective_from="2026-04", subsidies=[],
                 items=[{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 200}])
    apply_fee_plan(db, estate, newer)
    run_billing(db, estate, "2026-03", today=date(2026, 3, 10))
    run_billing(db, estate, "2026-04", today=date(2026, 4, 10))
    db.commit()
    march, april = lines_by_room(db, "2026-03"), lines_by_room(db, "2026-04")
    assert march["3-2-101"] == {"PROPERTY": (10467, 0)}  # old plan: 1.21, no subsidy in March
    assert "ELEVATOR" in march["3-2-601"]
    assert april["3-2-101"] == {"PROPERTY": (17300, 0)}  # 86.50 × 2.00
    assert april["3-2-601"] == {"PROPERTY": (17300, 0)}  # no elevator item in the new plan
    plan_ids = dict(db.execute(select(BillingRun.period, BillingRun.fee_plan_id)).all())
    assert plan_ids["2026-03"] != plan_ids["2026-04"]


def test_second_run_creates_nothing(db, estate):
    first = run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    second = run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    assert (second.created, second.bills_created, second.total_fen, second.run_id) == \
        (False, 0, 0, first.run_id)
    assert db.scalar(select(func.count(Bill.id))) == 13
    assert db.scalar(select(NumberCounter.last_seq)) == 13


def test_future_period_and_missing_plan_are_refused(db, estate):
    with pytest.raises(Invalid) as err:
        run_billing(db, estate, "2026-04", today=FEB)  # next month is 2026-03
    assert "period" in err.value.fields
    run_billing(db, estate, "2026-03", today=FEB)
    with pytest.raises(Invalid) as err:
        run_billing(db, estate, "2025-12", today=FEB)  # before the first plan
    assert "period" in err.value.fields


def _run_in_own_unit_of_work(app, estate_id, period, today, results, errors, barrier=None):
    from pms.core.db import unit_of_work
    from pms.estates.models import Estate
    try:
        with app.test_request_context():
            if barrier is not None:
                barrier.wait(timeout=10)
            with unit_of_work() as session:
                results.append(run_billing(session, session.get(Estate, estate_id), period, today=today))
    except Exception as exc:  # reported to the test thread
        errors.append(exc)


def test_two_racing_runs_bill_once(app, db, estate, monkeypatch):
    """Two scheduler processes started by mistake: one wins, the other creates nothing."""
    import threading
    import time

    from pms.billing.services import staging

    original = staging.create_stage

    def slow_stage(session, pg):
        time.sleep(0.4)  # hold the run row while the other run arrives
        original(session, pg)

    monkeypatch.setattr(staging, "create_stage", slow_stage)
    results, errors = [], []
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=_run_in_own_unit_of_work,
                                args=(app, estate.id, "2026-02", FEB, results, errors, barrier))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.bills_created for r in results) == [0, 13]
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.run_id for r in results}) == 1
    db.rollback()
    assert db.scalar(select(func.count(Bill.id))) == 13
    assert db.scalar(select(func.count(JournalEntry.id))) == 1
    assert db.scalar(select(NumberCounter.last_seq)) == 13


def test_a_run_killed_half_way_leaves_nothing_and_the_rerun_bills_once(app, db, estate, monkeypatch):
    from pms.billing.services import runs

    def crash(*args, **kwargs):
        raise RuntimeError("killed after the bills and lines were inserted")

    monkeypatch.setattr(runs, "_post_ledger", crash)
    results, errors = [], []
    _run_in_own_unit_of_work(app, estate.id, "2026-02", FEB, results, errors)
    assert len(errors) == 1 and "killed" in str(errors[0])
    db.rollback()
    for model in (BillingRun, Bill, BillLine, JournalEntry, NumberCounter):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model
    monkeypatch.undo()
    errors.clear()
    _run_in_own_unit_of_work(app, estate.id, "2026-02", FEB, results, errors)
    assert errors == [] and results[0].bills_created == 13
    db.rollback()
    assert sorted(db.scalars(select(Bill.seq))) == list(range(1, 14))
    assert db.scalar(select(func.count(BillLine.id))) == 12 + 1 + 8 + 1  # property, shop, elevator, parking
    assert db.scalar(select(func.count(JournalEntry.id))) == 1
    assert first_unbalanced_entry(db) is None


def test_due_runs_catch_up_missed_periods_and_skip_estates_without_a_plan(db, estate):
    from pms.billing.services.runs import due_runs
    company = db.get(__import__("pms.estates.models", fromlist=["Company"]).Company, estate.company_id)
    later = f.make_estate(db, "LATE", "晚", company, f.make_district(db, "110105", "朝阳区"))
    build_estate(db, later, program=False)
    apply_fee_plan(db, later, plan(estate="LATE", effective_from="2026-12", subsidies=[]))
    bare = f.make_estate(db, "BARE", "无计划", company, f.make_district(db, "110106", "丰台区"))  # noqa: F841
    today = date(2026, 11, 23)
    assert due_runs(db, today) == [(estate.id, "2026-11")]  # never billed: the current period only
    run_billing(db, estate, "2026-08", today=date(2026, 8, 1))
    assert due_runs(db, today) == [(estate.id, "2026-09"), (estate.id, "2026-10"), (estate.id, "2026-11")]
    assert due_runs(db, date(2026, 12, 1)) == [(estate.id, "2026-09"), (estate.id, "2026-10"),
                                               (estate.id, "2026-11"), (estate.id, "2026-12"),
                                               (later.id, "2026-12")]


def test_the_daily_job_bills_due_estates_once_and_survives_a_failing_estate(app, db, estate, monkeypatch):
    from jobs.billing import JOBS, bill_due_estates
    from pms.billing.services import runs
    assert [j.cron for j in JOBS if j.id == "billing_daily"] == [{"hour": 1, "minute": 10}]
    company = db.get(__import__("pms.estates.models", fromlist=["Company"]).Company, estate.company_id)
    other = f.make_estate(db, "ZZZ", "其他", company, f.make_district(db, "110105", "朝阳区"))
    build_estate(db, other, program=False)
    apply_fee_plan(db, other, plan(estate="ZZZ", subsidies=[]))
    db.commit()
    original = runs.run_billing_batch
    calls = []

    def failing_for_yjl(session, targets, period, **kwargs):
        calls.append(sorted(t.code for t in targets))
        if "YJL" in [t.code for t in targets]:
            raise RuntimeError("disk full")
        return original(session, targets, period, **kwargs)

    monkeypatch.setattr(runs, "run_billing_batch", failing_for_yjl)
    assert bill_due_estates(app, today=date(2026, 11, 23)) == 13  # ZZZ billed, YJL failed
    # One batch for both, then (it failed) each estate alone: ZZZ is not held back by YJL.
    assert calls == [["YJL", "ZZZ"], ["YJL"], ["ZZZ"]]
    monkeypatch.undo()
    assert bill_due_estates(app, today=date(2026, 11, 23)) == 13  # YJL on the next fire
    assert bill_due_estates(app, today=date(2026, 11, 24)) == 0
    db.rollback()
    assert sorted(db.execute(select(BillingRun.period, BillingRun.triggered_by)).all()) == [
        ("2026-11", "scheduler"), ("2026-11", "scheduler")]


def test_a_batch_bills_each_estate_once_numbered_by_estate_then_room(db, estate):
    """Several estates in one run: the same bills as one by one, each company's numbers gap-free
    in estate-code, then room-code order; estates already billed are skipped, not rebilled."""
    from pms.billing.services.runs import run_billing_batch
    from pms.estates.models import Company
    company = db.get(Company, estate.company_id)
    other = f.make_estate(db, "ABC", "甲", company, f.make_district(db, "110105", "朝阳区"))
    build_estate(db, other, program=False)
    apply_fee_plan(db, other, plan(estate="ABC", subsidies=[]))
    first = run_billing(db, estate, "2026-02", today=FEB)
    results = run_billing_batch(db, [estate, other], "2026-02", today=FEB)
    assert [(r.estate, r.created, r.bills_created) for r in results] == [("YJL", False, 0), ("ABC", True, 13)]
    assert results[0].run_id == first.run_id
    results = run_billing_batch(db, [estate, other], "2026-03", today=date(2026, 3, 2))
    assert [(r.estate, r.bills_created) for r in results] == [("YJL", 13), ("ABC", 13)]
    assert results[1].total_fen + results[1].subsidy_fen > 0
    from pms.estates.models import Room
    march = db.execute(select(Bill.seq, Room.code).join(Room, Room.id == Bill.room_id)
                       .where(Bill.period == "2026-03").order_by(Bill.seq)).all()
    assert [seq for seq, _code in march] == list(range(27, 53))  # after 13 + 13 of February
    assert [code for _seq, code in march] == sorted(code for _seq, code in march)  # ABC-… before YJL-…
    assert db.scalar(select(func.count(BillingRun.id))) == 4
    assert first_unbalanced_entry(db) is None
    from pms.core.audit import verify_chain
    from pms.core.models import AuditEntry
    assert db.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "billing.run")) == 4
    assert verify_chain(db) is None


def test_a_batch_killed_half_way_leaves_no_estate_billed(app, db, estate, monkeypatch):
    from pms.billing.services import runs
    from pms.core.db import unit_of_work
    from pms.estates.models import Company, Estate
    company = db.get(Company, estate.company_id)
    other = f.make_estate(db, "ABC", "甲", company, f.make_district(db, "110105", "朝阳区"))
    build_estate(db, other, program=False)
    apply_fee_plan(db, other, plan(estate="ABC", subsidies=[]))
    db.commit()
    ids = [estate.id, other.id]

    def crash(*args, **kwargs):
        raise RuntimeError("killed after the bills and lines were inserted")

    monkeypatch.setattr(runs, "_post_ledger", crash)
    with app.test_request_context(), pytest.raises(RuntimeError):
        with unit_of_work() as session:
            runs.run_billing_batch(session, session.scalars(select(Estate).where(Estate.id.in_(ids))).all(),
                                   "2026-02", today=FEB)
    db.rollback()
    for model in (BillingRun, Bill, BillLine, JournalEntry, JournalLine, NumberCounter):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model
    monkeypatch.undo()
    with app.test_request_context(), unit_of_work() as session:
        results = runs.run_billing_batch(session, session.scalars(select(Estate).where(Estate.id.in_(ids))).all(),
                                         "2026-02", today=FEB)
    assert sorted(r.bills_created for r in results) == [13, 13]
    db.rollback()
    assert sorted(db.scalars(select(Bill.seq))) == list(range(1, 27))
    assert first_unbalanced_entry(db) is None


def test_batches_hold_whole_estates_of_about_the_room_budget():
    from pms.estates.services import batches
    assert batches([(1, 500), (2, 500), (3, 500)], rooms=1000) == [[1, 2], [3]]
    assert batches([(1, 5000), (2, 10), (3, 10)], rooms=1000) == [[1], [2, 3]]
    assert batches([], rooms=1000) == []


def test_a_run_writes_its_collection_snapshot_and_the_job_refreshes_it(app, db, estate, clock):
    """The homes read the snapshot: a run writes its estate's month at once; the five-minute job
    brings in what was paid since."""
    from jobs.billing import JOBS, refresh_collection
    from pms.billing.models import CollectionSnapshot, OwedSnapshot
    from pms.billing.services.payments import record_payment
    from pms.core.auth import system_principal

    assert [j.cron for j in JOBS if j.id == "collection_snapshot"] == [{"minute": "*/5"}]
    clock.set_today(FEB)
    result = run_billing(db, estate, "2026-02", today=FEB)
    db.commit()
    row = db.get(CollectionSnapshot, (estate.id, "2026-02"))
    # 13 bills, none paid yet: receivable is the run's payable: 6 × (5233 + 5236) + 15003 + 180007 + 15000.
    assert result.payable_fen == 6 * (10467 - 5234 + 10473 - 5237) + 15003 + 180007 + 15000 == 272824
    assert (row.receivable_fen, row.received_fen, row.households, row.households_paid) == (272824, 0, 13, 0)
    # … and what its bills owe, due on the plan's day (the finance home's bills due this week).
    owed = db.get(OwedSnapshot, (estate.id, "2026-02", date(2026, 2, 15)))
    assert (owed.open_bills, owed.owed_fen, owed.refreshed_at is not None) == (13, 272824, True)
    # The shop pays its 15003 in full; the snapshot still says nothing was paid until the job runs.
    record_payment(db, system_principal(), room_code="YJL-1-1-101", amount_fen=15003, channel="cash")
    db.commit()
    db.expire_all()
    assert db.get(CollectionSnapshot, (estate.id, "2026-02")).received_fen == 0
    # An estate's own refresh (the run's, estate by estate) and the job's (all at once) agree.
    from pms.billing.services.overview import refresh_collection_snapshot
    assert refresh_collection_snapshot(db, ["2026-02"], estate_ids=[estate.id]) == 1
    row = db.get(CollectionSnapshot, (estate.id, "2026-02"))
    db.refresh(row)
    assert (row.received_fen, row.households_paid) == (15003, 1)
    db.rollback()
    # The job writes the estate's month and, for the finance home, what February's open bills owe.
    assert refresh_collection(app) == 2
    db.rollback()  # a fresh read: the job committed on its own connection
    row = db.get(CollectionSnapshot, (estate.id, "2026-02"))
    assert (row.received_fen, row.households_paid) == (15003, 1)
    owed = db.scalars(select(OwedSnapshot).where(OwedSnapshot.estate_id == estate.id)).all()
    assert [(o.period, o.open_bills, o.owed_fen) for o in owed] == [("2026-02", 12, 272824 - 15003)]
