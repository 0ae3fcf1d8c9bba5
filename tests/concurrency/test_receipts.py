"""Receipt numbers under real concurrency, on SQLite and PostgreSQL: payments for different rooms
of one company at once (each room's own money lock, so they really run side by side), with
replays of their keys, reversals and another company's payments in the same race — every company's
numbers are 1..n with no gap and no duplicate (the `receipt` counter row, locked in each payment's
own transaction), a replay answers the receipt of its payment."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from pms.billing.models import Receipt
from tests import factories as f
from tests.concurrency.conftest import race, statuses

ROOMS = 8


@pytest.fixture
def rooms(app, world):
    """Eight more ACME rooms (YJL building 5), each its own owner."""
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        codes = [f.make_room(s, world.yjl, "5", "1", f"{100 + i}", owner=(f"住户{i}", "13600000000", None)).code
                 for i in range(1, ROOMS + 1)]
        s.commit()
    return codes


def test_parallel_payments_number_their_receipts_without_gaps(server, rooms, world, db, clock, audit_verify):
    desk, other_desk = server.token("finance"), server.token("other_manager")

    def pay(room, key, token=desk, amount=1000):
        return server.post("/api/v1/payments", {"room": room, "amount_fen": amount, "channel": "cash",
                                                "reference": "desk", "idempotency_key": key}, token=token)

    # Two payments before the race (ACME receipts 1 and 2), reversed during it.
    earlier = [pay("YJL-3-2-501", "before-1").body, pay("YJL-3-2-502", "before-2").body]
    assert [p["receipt"] for p in earlier] == ["ACME-R2026-000001", "ACME-R2026-000002"]
    calls = ([lambda i=i, room=room: pay(room, f"k-{i}") for i, room in enumerate(rooms)]  # 8 rooms of ACME
             + [lambda: pay(rooms[0], "k-0"), lambda: pay(rooms[1], "k-1")]          # replays of two keys
             + [lambda p=p: server.post(f"/api/v1/payments/{p['id']}/reversal", {"reason": "记错"}, token=desk)
                for p in earlier]                                                     # 2 reversal notes
             + [lambda i=i: pay("HXY-1-1-101", f"o-{i}", token=other_desk) for i in range(3)])  # OTHER
    replies = race(len(calls), lambda i: calls[i]())
    assert statuses(replies) == [201] * len(calls), [(r.status, r.body) for r in replies if r.status != 201]

    by_key = {}
    for reply in replies[:ROOMS + 2]:
        by_key.setdefault(reply.body["id"], set()).add(reply.body["receipt"])
    assert len(by_key) == ROOMS and all(len(numbers) == 1 for numbers in by_key.values())  # replay: same
    notes = [r.body["reversal_note"] for r in replies[ROOMS + 2:ROOMS + 4]]

    db.rollback()
    acme = db.execute(select(Receipt.seq, Receipt.number, Receipt.kind).where(Receipt.company_id == world.acme.id)
                      .order_by(Receipt.seq)).all()
    assert [seq for seq, _n, _k in acme] == list(range(1, ROOMS + 5))  # 2 + 8 + 2 notes: 1..12, no gap
    assert Counter(kind for _s, _n, kind in acme) == {"payment": ROOMS + 2, "reversal_note": 2}
    assert sorted(notes) == sorted(n for _s, n, kind in acme if kind == "reversal_note")
    assert {n for numbers in by_key.values() for n in numbers} | {"ACME-R2026-000001", "ACME-R2026-000002"} \
        == {n for _s, n, kind in acme if kind == "payment"}
    other = db.scalars(select(Receipt.number).where(Receipt.company_id == world.other.id)
                       .order_by(Receipt.seq)).all()
    assert other == [f"OTHER-R2026-{seq:06d}" for seq in (1, 2, 3)]
    assert db.scalars(select(Receipt.void_at.is_not(None)).where(Receipt.seq.in_([1, 2]),
                                                                  Receipt.company_id == world.acme.id)).all() \
        == [True, True]
    audit_verify()
