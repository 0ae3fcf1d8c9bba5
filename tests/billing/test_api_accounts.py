"""Payments API (CONTRACT.md): payments, reversals, the room account — rules, roles, races."""
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pms.billing.models import Payment
from pms.billing.services.payments import record_payment
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.factories import bearer

ROOM = "YJL-3-2-501"


@pytest.fixture
def billed(db, world):
    """Jan, Feb, Mar 2026 bills of 10,000 fen (due the 15th; late fee 5/10k a day, 30 days grace)."""
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30))
    bills = [issue_bill(db, world.r501, p, 10000, plan=plan) for p in ("2026-01", "2026-02", "2026-03")]
    db.commit()
    return [b.number for b in bills]


def pay(client, user="finance", **body):
    payload = {"room": ROOM, "amount_fen": 25000, "channel": "cash", "reference": "R-1", **body}
    return client.post("/api/v1/payments", json=payload, headers=bearer(client, user))


def test_payment_contract(client, billed):
    response = pay(client, idempotency_key="k-1")
    assert response.status_code == 201
    body = response.get_json()
    assert {"id", "allocations", "prepaid_fen"} <= set(body)
    assert [(a["bill"], a["amount_fen"]) for a in body["allocations"]] == [
        (billed[0], 10000), (billed[1], 10000), (billed[2], 5000)]
    assert body["prepaid_fen"] == 0


def test_overpayment_is_prepaid(client, billed):
    body = pay(client, amount_fen=31234).get_json()
    assert sum(a["amount_fen"] for a in body["allocations"]) == 30000
    assert body["prepaid_fen"] == 1234


def test_same_key_same_body_same_payment_other_body_409(client, app, billed):
    first = pay(client, idempotency_key="k-2")
    again = pay(client, idempotency_key="k-2")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = pay(client, idempotency_key="k-2", amount_fen=100)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "conflict"
    with app.app_context():
        from pms.core.db import get_session
        assert get_session().scalar(select(func.count(Payment.id))) == 1


@pytest.mark.parametrize("amount", [0, -5, 12.5, "100", True, None, 10**12])
def test_bad_amounts_422(client, world, amount):
    response = pay(client, amount_fen=amount)
    assert response.status_code == 422
    assert "amount_fen" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"channel": "paypal"}, "channel"), ({"room": None}, "room"), ({"surprise": 1}, "surprise"),
    ({"reference": "x" * 129}, "reference"), ({"idempotency_key": ""}, "idempotency_key")])
def test_bad_fields_422(client, world, body, field):
    response = pay(client, **body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_malformed_json_400(client, world):
    response = client.post("/api/v1/payments", data="{nope", content_type="application/json",
                           headers=bearer(client, "finance"))
    assert response.status_code == 400


@pytest.mark.parametrize("room", ["YJL-9-9-999", "HXY-1-1-101"])
def test_unknown_or_foreign_room_404(client, world, room):
    response = pay(client, room=room)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("user, status", [
    ("admin", 201), ("manager", 201), ("finance", 201), ("tech", 403), ("carer", 403),
    ("resident", 403), ("auditor", 403), ("other_manager", 404), ("other_resident", 404),
    ("other_auditor", 403), ("officer", 403), ("other_officer", 403)])
def test_payment_roles(client, world, user, status):
    assert pay(client, user=user).status_code == status


def test_concurrent_requests_with_one_key_make_one_payment(app, billed):
    clients = [app.test_client() for _ in range(4)]
    headers = bearer(clients[0], "finance")
    barrier, results = threading.Barrier(len(clients)), []

    def post(c):
        barrier.wait()
        r = c.post("/api/v1/payments", headers=headers,
                   json={"room": ROOM, "amount_fen": 500, "channel": "bank", "reference": "T",
                         "idempotency_key": "race-1"})
        results.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _b in results] == [201] * len(clients), results
    assert len({b["id"] for _s, b in results}) == 1
    with app.app_context():
        from pms.core.db import get_session
        assert get_session().scalar(select(func.count(Payment.id))) == 1


def test_reversal_api(client, billed):
    payment = pay(client, amount_fen=12000).get_json()
    response = client.post(f"/api/v1/payments/{payment['id']}/reversal", json={"reason": "wrong room"},
                           headers=bearer(client, "finance"))
    assert response.status_code == 201
    body = response.get_json()
    assert [(a["bill"], a["amount_fen"]) for a in body["bills_reopened"]] == [
        (billed[0], 10000), (billed[1], 2000)]
    again = client.post(f"/api/v1/payments/{payment['id']}/reversal", json={"reason": "x"},
                        headers=bearer(client, "finance"))
    assert again.status_code == 409
    account = client.get(f"/api/v1/rooms/{ROOM}/account", headers=bearer(client, "finance")).get_json()
    assert account["balance_fen"] == 30000 and account["prepaid_fen"] == 0


@pytest.mark.parametrize("user, reason, status", [
    ("finance", "", 422), ("finance", "   ", 422), ("auditor", "x", 403), ("tech", "x", 403),
    ("resident", "x", 403), ("other_manager", "x", 404), ("manager", "typo", 201)])
def test_reversal_rules(client, billed, user, reason, status):
    payment = pay(client).get_json()
    response = client.post(f"/api/v1/payments/{payment['id']}/reversal", json={"reason": reason},
                           headers=bearer(client, user))
    assert response.status_code == status


def test_reversal_of_unknown_payment_404(client, world):
    response = client.post("/api/v1/payments/999999/reversal", json={"reason": "x"},
                           headers=bearer(client, "finance"))
    assert response.status_code == 404


def account(client, as_of=None, user="finance", room=ROOM):
    query = f"?as_of={as_of}" if as_of else ""
    return client.get(f"/api/v1/rooms/{room}/account{query}", headers=bearer(client, user))


def test_account_as_of_is_reproducible(client, db, world, billed):
    record_payment(db, finance(), room_code=ROOM, amount_fen=4000, channel="cash",
                   received_at=at(date(2026, 3, 1)))
    db.commit()
    before = account(client, "2026-02-28").get_json()
    # Jan (44 days overdue) and Feb (13 days); March not issued yet. Late fee: Feb 15–28 on 10,000.
    assert before["balance_fen"] == 20000 and before["prepaid_fen"] == 0
    assert before["late_fee_fen"] == 70
    assert [(a["bill"], a["days_overdue"], a["outstanding_fen"]) for a in before["arrears"]] == [
        (billed[0], 44, 10000), (billed[1], 13, 10000)]
    assert before["aging"] == {"0-30": 10000, "31-90": 10000, "91-365": 0, "365+": 0}

    mid = account(client, "2026-03-16").get_json()
    assert mid["balance_fen"] == 26000 and mid["late_fee_fen"] == 118
    assert [(a["bill"], a["days_overdue"], a["outstanding_fen"]) for a in mid["arrears"]] == [
        (billed[0], 60, 6000), (billed[1], 29, 10000), (billed[2], 1, 10000)]
    assert mid["aging"] == {"0-30": 20000, "31-90": 6000, "91-365": 0, "365+": 0}

    record_payment(db, finance(), room_code=ROOM, amount_fen=30000, channel="bank",
                   received_at=at(date(2026, 3, 20)))
    db.commit()
    assert account(client, "2026-03-16").get_json() == mid  # history does not change
    after = account(client, "2026-03-20").get_json()
    # Jan: 14 × 10,000 + 19 × 6,000 fen-days → 127; Feb: Mar 18–19 on 10,000 → 10.
    assert (after["balance_fen"], after["prepaid_fen"], after["late_fee_fen"]) == (0, 4000, 137)
    assert after["arrears"] == [] and set(after["aging"].values()) == {0}
    assert after["last_payment_on"] == "2026-03-20"


def test_account_default_is_today_and_bad_date_422(client, billed):
    from pms.core.periods import today

    with client.application.app_context():
        expected = today().isoformat()
    body = account(client).get_json()
    assert body["as_of"] == expected and body["balance_fen"] == 30000
    assert account(client, "2026-13-01").status_code == 422


@pytest.mark.parametrize("user, room, status", [
    ("admin", ROOM, 200), ("manager", ROOM, 200), ("finance", ROOM, 200), ("auditor", ROOM, 200),
    ("resident", ROOM, 200), ("resident", "YJL-3-2-502", 404), ("tech", ROOM, 403), ("carer", ROOM, 403),
    ("other_manager", ROOM, 404), ("other_resident", ROOM, 404), ("other_auditor", ROOM, 404),
    ("finance", "YJL-0-0-000", 404), ("officer", ROOM, 200), ("other_officer", ROOM, 404)])
def test_account_roles(client, world, user, room, status):
    assert account(client, user=user, room=room).status_code == status


def test_openapi_lists_the_endpoints(client, world):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/payments", "/api/v1/payments/{payment_id}/reversal",
                 "/api/v1/rooms/{room}/account", "/api/v1/rooms/{room}/demands",
                 "/api/v1/estates/{estate}/arrears", "/api/v1/estates/{estate}/collection"):
        assert path in paths
