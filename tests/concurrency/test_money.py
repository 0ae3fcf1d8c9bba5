"""Money under real concurrency (issue 8): payments, reversals, credit notes and late-fee
settlements by many clients at once on one room, on SQLite and PostgreSQL, each followed by
`pms audit verify`. Each rule holds by the room's money lock (`payments.lock_room_money`) or a
constraint — never by a check alone."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.billing.models import Bill, JournalLine, LateFeeSettlement, Payment, PaymentAllocation
from pms.billing.models.ledger import PREPAYMENT_LINES
from tests.billing.helpers_payments import issue_bill, make_plan
from tests.concurrency.conftest import race, statuses

ROOM = "YJL-3-2-501"
N = 10


@pytest.fixture
def bills(db, world):
    """Three bills of 10,000 fen (Jan–Mar 2024) on YJL-3-2-501; late fee 5/10k a day, cap 30 %."""
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30), effective_from="2024-01")
    numbers = [issue_bill(db, world.r501, p, 10000, plan=plan).number for p in ("2024-01", "2024-02", "2024-03")]
    db.commit()
    return numbers


@pytest.fixture
def desk(server, world):
    """A finance token (the front desk)."""
    return server.token("finance")


def bill_state(db, number):
    db.rollback()  # a fresh read of what the racers committed
    bill = db.scalar(select(Bill).where(Bill.number == number))
    allocated = db.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount_fen), 0))
                          .where(PaymentAllocation.bill_id == bill.id))
    return bill, allocated


def prepayment(db, room_id):
    """What the room holds as prepayment (the ledger's credit, as a positive number)."""
    return -(db.scalar(select(func.coalesce(func.sum(JournalLine.amount_fen), 0))
                       .where(PREPAYMENT_LINES, JournalLine.room_id == room_id)) or 0)


def pay(server, token, amount_fen, key=None):
    body = {"room": ROOM, "amount_fen": amount_fen, "channel": "cash", "reference": "desk"}
    if key:
        body["idempotency_key"] = key
    return server.post("/api/v1/payments", body, token=token)


def test_parallel_payments_on_one_room_are_all_counted(server, desk, bills, db, world, audit_verify):
    replies = race(2 * N, lambda i: pay(server, desk, 1700, key=f"k-{i}"))
    assert statuses(replies) == [201] * (2 * N)
    for reply in replies:  # each answer adds up to its own amount
        assert sum(a["amount_fen"] for a in reply.body["allocations"]) + reply.body["prepaid_fen"] == 1700
    for number in bills:  # 20 × 1,700 = 34,000: all three bills paid, 4,000 prepaid
        bill, allocated = bill_state(db, number)
        assert (bill.paid_fen, allocated, bill.status) == (10000, 10000, "paid")
    assert prepayment(db, world.r501.id) == 34000 - 30000
    audit_verify()


def test_one_key_sent_at_once_makes_one_payment(server, desk, bills, db, audit_verify):
    replies = race(N, lambda i: pay(server, desk, 2500, key="same-key"))
    assert statuses(replies) == [201] * N
    assert len({r.body["id"] for r in replies}) == 1
    assert sum(1 for r in replies if r.headers.get("Idempotent-Replayed") != "true") == 1
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    audit_verify()


def test_parallel_reversals_of_one_payment_one_wins(server, desk, bills, db, audit_verify):
    payment = pay(server, desk, 15000).body
    replies = race(N, lambda i: server.post(f"/api/v1/payments/{payment['id']}/reversal",
                                            {"reason": f"wrong room {i}"}, token=desk))
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert all(r.body["error"]["code"] == "conflict" for r in replies if r.status == 409)
    for number in bills[:2]:
        bill, allocated = bill_state(db, number)
        assert (bill.paid_fen, allocated, bill.status) == (0, 0, "open")
    audit_verify()


def test_parallel_reversals_on_one_bill_all_reopen_it(server, desk, bills, db, audit_verify):
    paid = [pay(server, desk, 1000).body["id"] for _ in range(N)]  # ten payments on the first bill
    bill, _ = bill_state(db, bills[0])
    assert (bill.paid_fen, bill.status) == (10000, "paid")
    replies = race(N, lambda i: server.post(f"/api/v1/payments/{paid[i]}/reversal", {"reason": "dup"},
                                            token=desk))
    assert statuses(replies) == [201] * N
    bill, allocated = bill_state(db, bills[0])
    assert (bill.paid_fen, allocated, bill.status) == (0, 0, "open")
    audit_verify()


def test_parallel_credit_notes_never_credit_more_than_owed(server, desk, bills, db, audit_verify):
    replies = race(N, lambda i: server.post(f"/api/v1/bills/{bills[0]}/credit-notes",
                                            {"amount_fen": 3000, "reason": f"area fix {i}"}, token=desk))
    assert statuses(replies) == [201] * 3 + [422] * (N - 3)  # 3 × 3,000 ≤ 10,000 < 4 × 3,000
    assert len({r.body["number"] for r in replies if r.status == 201}) == 3  # gap-free, distinct
    bill, _ = bill_state(db, bills[0])
    assert (bill.waived_fen, bill.status) == (9000, "open")
    audit_verify()


def test_payments_and_credit_notes_at_once_on_one_bill(server, desk, db, world, audit_verify):
    from tests.billing.helpers_payments import issue_bill, make_plan
    plan = make_plan(db, world.yjl, effective_from="2024-01")
    number = issue_bill(db, world.r501, "2024-01", 10000, plan=plan).number
    db.commit()

    def act(i):
        if i % 2:
            return pay(server, desk, 1000, key=f"p-{i}")
        return server.post(f"/api/v1/bills/{number}/credit-notes", {"amount_fen": 1000, "reason": "x"},
                           token=desk)

    replies = race(2 * N, act)
    payments = [r for i, r in enumerate(replies) if i % 2]
    credits = [r for i, r in enumerate(replies) if not i % 2]
    assert statuses(payments) == [201] * N
    granted = sum(1 for r in credits if r.status == 201)
    assert statuses(credits) == [201] * granted + [422] * (N - granted)
    bill, allocated = bill_state(db, number)
    # billed = paid + outstanding + waived; what the payments did not need is prepaid.
    assert bill.waived_fen == 1000 * granted
    assert bill.paid_fen == allocated == 10000 - bill.waived_fen
    assert bill.status == "paid"
    assert prepayment(db, world.r501.id) == 10000 - bill.paid_fen
    audit_verify()


@pytest.fixture
def overdue(db, world):
    """A January 2023 bill of 10,000 fen never paid: its late charge is at the 30 % cap, 3,000 fen."""
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30), effective_from="2023-01")
    issue_bill(db, world.r501, "2023-01", 10000, plan=plan)
    db.commit()


def test_parallel_late_fee_settlements_take_at_most_what_is_owed(server, desk, overdue, db, audit_verify):
    replies = race(N, lambda i: server.post(f"/api/v1/rooms/{ROOM}/late-fee-settlements",
                                            {"kind": "paid", "amount_fen": 1000, "channel": "cash"},
                                            token=desk))
    assert statuses(replies) == [201] * 3 + [422] * (N - 3)
    db.rollback()
    assert db.scalar(select(func.sum(LateFeeSettlement.amount_fen))) == 3000
    audit_verify()
    first = next(r.body["id"] for r in replies if r.status == 201)
    reversals = race(N, lambda i: server.post(f"/api/v1/late-fee-settlements/{first}/reversal",
                                              {"reason": "entered twice"}, token=desk))
    assert statuses(reversals) == [201] + [409] * (N - 1)
    audit_verify()
