"""The billing demo step: plans, three billed periods, realistic payments, a consistent ledger."""
from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from pms.billing import demo
from pms.billing.models import Bill, BillingRun, FeePlan, JournalEntry, Payment, Receipt
from pms.core.audit import run_checks
from tests import factories as f


@pytest.fixture
def ctx(app, db):
    with app.test_request_context():
        company, district = f.make_company(db, "DEMO", "安居物业"), f.make_district(db, "110112", "通州区")
        estates = []
        for code in ("YJL", "YQX"):
            estate = f.make_estate(db, code, code, company, district)
            for building in ("1", "2"):
                for entrance, floors in (("1", 6), ("2", 5), ("3", 2)):
                    for floor in range(1, floors + 1):
                        for slot in ("01", "02"):
                            f.make_room(db, estate, building, entrance, f"{floor}{slot}", floor=floor,
                                        area_centi_m2=5000 + floor * 731 + int(slot) * 17, owner=None)
            f.make_room(db, estate, "9", "1", "101", floor=1, area_centi_m2=12034, usage="commercial",
                        owner=None)
            estates.append(SimpleNamespace(id=estate.id, code=estate.code, name=estate.name, rooms=53))
        finance = f.make_user(db, "finance", "finance", company=company)
        db.commit()
        notes = []
        yield SimpleNamespace(rng=random.Random(7), today=date(2026, 11, 23), company=company,
                              estates=estates, users={"finance": SimpleNamespace(id=finance.id, role="finance")},
                              note=notes.append, notes=notes)


def test_demo_bills_three_periods_with_realistic_payments(db, ctx):
    demo.seed(db, ctx)
    db.flush()
    assert db.scalar(select(func.count(FeePlan.id))) == 2
    periods = sorted(db.scalars(select(BillingRun.period).distinct()))
    assert periods == ["2026-09", "2026-10", "2026-11"]  # 2026-12 left unbilled
    assert db.scalar(select(func.count(Bill.id))) == 2 * 53 * 3
    statuses = dict(db.execute(select(Bill.status, func.count(Bill.id)).group_by(Bill.status)).all())
    total = sum(statuses.values())
    assert statuses["paid"] > total * 0.6  # most households pay
    overdue = db.scalar(select(func.count(Bill.id)).where(Bill.status == "open", Bill.due_date < date(2026, 11, 23)))
    assert overdue > 0  # some late, a few long in arrears
    sept_open = db.scalar(select(func.count(Bill.id)).where(Bill.status == "open", Bill.period == "2026-09"))
    assert 0 < sept_open < 0.2 * 2 * 53
    assert db.scalar(select(func.count(Payment.id))) > total * 0.6
    assert db.scalar(select(func.max(Payment.received_at))) < __import__("datetime").datetime(
        2026, 11, 23, tzinfo=__import__("datetime").timezone.utc)
    # the introductory programme: 100 % of the property fee in September, 50 % in November
    sept = db.execute(select(func.sum(Bill.subsidy_fen)).where(Bill.period == "2026-09")).scalar()
    nov = db.execute(select(func.sum(Bill.subsidy_fen)).where(Bill.period == "2026-11")).scalar()
    assert sept > 0 and abs(nov * 2 - sept) <= 2 * 53 * 2  # half, up to rounding per line
    kinds = set(db.scalars(select(JournalEntry.kind).distinct()))
    assert {"bill", "payment"} <= kinds
    # Every payment, in bulk or at the desk, has its receipt: same room and amount, numbered gap-free.
    receipts = db.execute(select(Payment.room_id, Payment.amount_fen, Receipt.room_id, Receipt.amount_fen,
                                 Receipt.kind, Receipt.void_at)
                          .outerjoin(Receipt, Receipt.payment_id == Payment.id)).all()
    assert len(receipts) == db.scalar(select(func.count(Payment.id)))
    assert all(r[0] == r[2] and r[1] == r[3] and r[4] == "payment" and r[5] is None for r in receipts)
    checks = list(run_checks(db))
    assert "receipt_numbers" in [name for name, _breach in checks]
    for name, breach in checks:
        assert breach is None, (name, breach)
    assert ctx.notes and "2026-12 is not billed yet" in ctx.notes[0]
    # The homes' collection snapshot holds the figures after the payments, not the runs' (nothing paid).
    from pms.billing.services import overview
    from pms.core.auth import system_principal
    months = overview.snapshot_periods(ctx.today)
    for period in months[-3:]:  # the three billed months
        snapshot = overview.collection_snapshot_by_estate(db, system_principal(), period)
        assert len(snapshot) == 2 and snapshot == overview.collection_by_estate(db, system_principal(), period)
        assert all(c.received_fen > 0 for c in snapshot.values())
    # And the owed snapshot what the open bills still owe (the finance home's arrears by age).
    from pms.billing.models import OwedSnapshot
    owed = db.execute(select(func.sum(OwedSnapshot.open_bills), func.sum(OwedSnapshot.owed_fen))).one()
    live = db.execute(select(func.count(), func.sum(Bill.payable_fen - Bill.waived_fen - Bill.paid_fen))
                      .where(Bill.status == "open")).one()
    assert tuple(owed) == tuple(live) and live[0] > 0


def test_demo_plan_uses_the_published_weights_and_elevators_on_tall_entrances(db, ctx):
    demo.seed(db, ctx)
    import json
    document = json.loads(db.scalar(select(FeePlan.document).limit(1)))
    items = {i["code"]: i for i in document["items"]}
    assert items["PROPERTY"]["rate_fen_per_m2"] == 120 and items["SHOP"]["rate_fen_per_m2"] == 300
    if "ELEVATOR" in items:
        assert items["ELEVATOR"]["floor_weights"] == {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}
        assert 150000 <= items["ELEVATOR"]["monthly_cost_fen"] <= 200000
        assert all(e.split("-")[1] in ("1", "2") for e in items["ELEVATOR"]["entrances"])  # not 2-floor ones
    assert document["subsidies"][0]["percent_by_period"] == {"2026-09": 100, "2026-10": 75, "2026-11": 50,
                                                             "2026-12": 25}


def test_demo_seed_is_not_repeated(db, ctx):
    demo.seed(db, ctx)
    bills = db.scalar(select(func.count(Bill.id)))
    demo.seed(db, ctx)
    assert db.scalar(select(func.count(Bill.id))) == bills
