"""Property (issue 8): random interleavings of payments, reversals, credit notes and late-fee
settlements sent by several clients at once to one room never lose or create a fen.

Each example gets its own room (three overdue 10,000-fen bills of 2023 whose late charges are at
their 30 % cap, 3,000 fen each) and three threads, each sending a drawn list of requests through
the real HTTP server. Afterwards:
- every answer is 201, 409 or 422 (never 500 or 503);
- `pms audit verify` passes (entries balance; receivable, prepayment and late-fee ledgers and
  Bill.paid_fen / waived_fen agree with the documents);
- per room: billed = paid + outstanding + waived, with outstanding read from the receivable ledger;
- prepayment ≥ 0, and what the room's payments not reversed brought = paid on bills + prepaid.
"""
from __future__ import annotations

import itertools
import os
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pms.billing.models import Bill, FeePlan, JournalLine, Payment, PaymentReversal
from pms.billing.models.ledger import PREPAYMENT_LINES
from pms.estates.models import Estate
from tests import factories as f
from tests.billing.helpers_payments import issue_bill, make_plan
from tests.concurrency.conftest import race

_rooms = itertools.count(1)

op = st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 16000)),
    st.tuples(st.just("reverse"), st.integers(0, 5)),
    st.tuples(st.just("credit"), st.integers(0, 2), st.integers(1, 6000)),
    st.tuples(st.just("settle"), st.sampled_from(["paid", "waived"]), st.integers(1, 2500)),
    st.tuples(st.just("unsettle"), st.integers(0, 5)),
)
threads = st.lists(st.lists(op, min_size=1, max_size=4), min_size=3, max_size=3)


def _sum(db, stmt) -> int:
    return int(db.scalar(stmt) or 0)


@settings(max_examples=int(os.environ.get("PMS_RACE_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=threads)
def test_interleavings_keep_every_fen(server, world, db, audit_verify, plan):
    db.rollback()
    estate = db.get(Estate, world.yjl.id)
    room = f.make_room(db, estate, "9", "1", f"{next(_rooms) + 100}", owner=None)
    fee_plan = db.scalar(select(FeePlan).where(FeePlan.estate_id == estate.id))
    fee_plan = fee_plan or make_plan(db, estate, late_fee=(5, 30, 30), effective_from="2023-01")
    bills = [issue_bill(db, room, p, 10000, plan=fee_plan).number for p in ("2023-01", "2023-02", "2023-03")]
    db.commit()
    token = server.token("finance")
    payments, settlements, lock = [], [], threading.Lock()

    def pick(ids, k):
        with lock:
            return ids[k % len(ids)] if ids else None

    def perform(thread_ops):
        replies = []
        for step in thread_ops:
            kind = step[0]
            if kind == "pay":
                reply = server.post("/api/v1/payments", {"room": room.code, "amount_fen": step[1],
                                                         "channel": "cash", "reference": ""}, token=token)
                if reply.status == 201:
                    with lock:
                        payments.append(reply.body["id"])
            elif kind == "reverse":
                if (target := pick(payments, step[1])) is None:
                    continue
                reply = server.post(f"/api/v1/payments/{target}/reversal", {"reason": "test"}, token=token)
            elif kind == "credit":
                reply = server.post(f"/api/v1/bills/{bills[step[1]]}/credit-notes",
                                    {"amount_fen": step[2], "reason": "test"}, token=token)
            elif kind == "settle":
                body = {"kind": step[1], "amount_fen": step[2]}
                body.update({"channel": "cash"} if step[1] == "paid" else {"reason": "test"})
                reply = server.post(f"/api/v1/rooms/{room.code}/late-fee-settlements", body, token=token)
                if reply.status == 201:
                    with lock:
                        settlements.append(reply.body["id"])
            else:
                if (target := pick(settlements, step[1])) is None:
                    continue
                reply = server.post(f"/api/v1/late-fee-settlements/{target}/reversal", {"reason": "test"},
                                    token=token)
            replies.append((step, reply.status, reply.body))
        return replies

    results = race(3, lambda i: perform(plan[i]))
    for step, status, body in itertools.chain.from_iterable(results):
        assert status in (201, 409, 422), (step, status, body)

    audit_verify()
    db.rollback()
    rows = db.execute(select(Bill.payable_fen, Bill.paid_fen, Bill.waived_fen).where(Bill.room_id == room.id)).all()
    billed, paid, waived = (sum(r[i] for r in rows) for i in range(3))
    receivable = _sum(db, select(func.sum(JournalLine.amount_fen)).where(
        JournalLine.account == "receivable", JournalLine.room_id == room.id))
    assert billed == paid + receivable + waived
    assert all(p + w <= b for b, p, w in rows)
    prepaid = -_sum(db, select(func.sum(JournalLine.amount_fen)).where(PREPAYMENT_LINES,
                                                                      JournalLine.room_id == room.id))
    assert prepaid >= 0
    kept = _sum(db, select(func.sum(Payment.amount_fen)).outerjoin(
        PaymentReversal, PaymentReversal.payment_id == Payment.id).where(
        Payment.room_id == room.id, PaymentReversal.id.is_(None)))
    assert paid + prepaid == kept
