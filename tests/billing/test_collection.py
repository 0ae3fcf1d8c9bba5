"""Collection rates by amount and by household, per estate, building and period."""
import pytest

from pms.billing.rules import percent_one_decimal
from pms.billing.services.payments import record_payment
from tests import factories as f
from tests.billing.helpers_payments import finance, issue_bill, make_plan
from tests.factories import bearer


@pytest.mark.parametrize("num, den, text", [(97, 120, "80.8"), (1, 8, "12.5"), (1, 16, "6.3"),
                                            (2, 3, "66.7"), (1, 1, "100.0"), (0, 5, "0.0"),
                                            (1, 2000, "0.1"), (1, 2001, "0.0")])
def test_percent_one_decimal_half_up_from_integers(num, den, text):
    assert percent_one_decimal(num, den) == text


def test_nothing_due_has_no_rate():
    assert percent_one_decimal(0, 0) is None


@pytest.fixture
def january(db, world):
    plan = make_plan(db, world.yjl)
    b4 = f.make_room(db, world.yjl, "4", "1", "101", owner=None)
    issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    issue_bill(db, world.r502, "2026-01", 5000, plan=plan)
    issue_bill(db, b4, "2026-01", 8000, plan=plan)
    issue_bill(db, world.r501, "2026-02", 10000, plan=plan)
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=10000, channel="cash")
    record_payment(db, finance(), room_code="YJL-3-2-502", amount_fen=2000, channel="cash")
    db.commit()


def test_collection_rates_by_amount_and_household(client, january):
    body = client.get("/api/v1/estates/YJL/collection?period=2026-01",
                      headers=bearer(client, "manager")).get_json()
    assert body["total"] == {"building": None, "receivable_fen": 23000, "received_fen": 12000,
                             "households": 3, "households_paid": 1, "rate_by_amount": "52.2",
                             "rate_by_household": "33.3"}
    assert [(b["building"], b["rate_by_amount"], b["rate_by_household"]) for b in body["buildings"]] == [
        ("3", "80.0", "50.0"), ("4", "0.0", "0.0")]
    feb = client.get("/api/v1/estates/YJL/collection?period=2026-02&building=3",
                     headers=bearer(client, "auditor")).get_json()
    assert (feb["total"]["rate_by_amount"], feb["total"]["households"]) == ("0.0", 1)
    empty = client.get("/api/v1/estates/YJL/collection?period=2030-01",
                       headers=bearer(client, "manager")).get_json()
    assert empty["total"]["rate_by_amount"] is None and empty["buildings"] == []


@pytest.mark.parametrize("user, estate, status", [
    ("admin", "YJL", 200), ("manager", "YJL", 200), ("finance", "YJL", 200), ("auditor", "YJL", 200),
    ("tech", "YJL", 403), ("carer", "YJL", 403), ("resident", "YJL", 403), ("other_manager", "YJL", 404),
    ("other_auditor", "YJL", 404), ("manager", "NOPE", 404), ("officer", "YJL", 200),
    ("other_officer", "YJL", 404), ("other_officer", "HXY", 200)])
def test_collection_roles(client, world, user, estate, status):
    response = client.get(f"/api/v1/estates/{estate}/collection?period=2026-01", headers=bearer(client, user))
    assert response.status_code == status


@pytest.mark.parametrize("query", ["", "?period=2026-13", "?period=202601", "?period=2026-01&x=1"])
def test_collection_bad_period_422(client, world, query):
    response = client.get(f"/api/v1/estates/YJL/collection{query}", headers=bearer(client, "manager"))
    assert response.status_code == 422
