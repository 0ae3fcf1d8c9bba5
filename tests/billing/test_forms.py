"""The billing forms on the form helper: a refused submission comes back (422) with the input kept,
the message beside its field and a summary naming the field by its label; nothing is written."""
import pytest
from sqlalchemy import func, select

from pms.core.db import new_session
from pms.billing.models import CreditNote, Demand, LateFeeSettlement, Payment, PaymentReversal
from tests.billing.helpers_payments import issue_bill, make_plan
from tests.billing.test_views_accounts import login
from tests.forms_html import assert_field_error, parse

ROOM = "YJL-3-2-501"


@pytest.fixture
def billed(app, world, clock):
    # Not the `db` fixture: its app context would outlive each request (and keep the first
    # request's language for the whole test).
    with app.app_context():
        session = new_session()
        plan = make_plan(session, world.yjl, late_fee=(5, 30, 30))
        numbers = [issue_bill(session, world.r501, p, 10000, plan=plan).number for p in ("2026-01", "2026-02")]
        session.commit()
        session.close()
    return numbers


def rows(app, model) -> int:
    with app.app_context():
        session = new_session()
        try:
            return session.scalar(select(func.count()).select_from(model))
        finally:
            session.close()


def test_payment_amount_too_large_keeps_everything(client, app, billed):
    login(client, "finance")
    form = {"amount": "10000000.01", "channel": "wechat", "reference": "WX-77", "idempotency_key": "k-1"}
    response = client.post(f"/rooms/{ROOM}/payments?lang=en", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "payment-amount", message="at most ¥10,000,000.00", value="10000000.01",
                       label="Amount (yuan)")
    assert parse(html).by_id["payment-reference"]["attrs"]["value"] == "WX-77"
    assert '<option value="wechat" selected>' in html
    # The retry of a refused payment is the same payment: its key comes back unchanged.
    assert 'name="idempotency_key" value="k-1"' in html
    assert rows(app, Payment) == 0


@pytest.mark.parametrize("amount, message", [("abc", "Enter an amount in yuan"), ("0", "greater than zero")])
def test_payment_amount_words(client, app, billed, amount, message):
    login(client, "finance")
    html = client.post(f"/rooms/{ROOM}/payments?lang=en", data={"amount": amount, "channel": "cash"}).get_data(
        as_text=True)
    assert_field_error(html, "payment-amount", message=message, value=amount, label="Amount (yuan)")
    assert "amount_fen" not in html  # never the raw field name


def test_credit_note_form_of_one_bill_comes_back_open(client, app, billed):
    login(client, "finance")
    response = client.post(f"/bills/{billed[0]}/credit-notes?lang=en", data={"amount": "30", "reason": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, f"credit-note-{billed[0]}-reason", label="Reason")
    assert parse(html).by_id[f"credit-note-{billed[0]}-amount"]["attrs"]["value"] == "30"
    # Only that bill's form shows the message; the other bill's form is untouched.
    assert f'id="credit-note-{billed[1]}-reason-error"' not in html
    assert rows(app, CreditNote) == 0
    too_much = client.post(f"/bills/{billed[0]}/credit-notes?lang=en", data={"amount": "100.01", "reason": "x"})
    assert too_much.status_code == 422 and 'id="credit-note-' in too_much.get_data(as_text=True)


def test_reversal_needs_a_reason_beside_its_own_payment(client, app, billed):
    login(client, "finance")
    client.post(f"/rooms/{ROOM}/payments", data={"amount": "50", "channel": "cash"})
    with app.app_context():
        session = new_session()
        payment_id = session.scalar(select(Payment.id))
        session.close()
    response = client.post(f"/payments/{payment_id}/reversal?lang=en", data={"reason": ""})
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), f"reversal-{payment_id}-reason", value="",
                       label="Reason for the reversal")
    assert rows(app, PaymentReversal) == 0


def test_late_fee_waiver_without_reason(client, app, billed, clock):
    clock.set_today(__import__("datetime").date(2026, 6, 1))
    login(client, "finance")
    response = client.post(f"/rooms/{ROOM}/late-fee-settlements?lang=en",
                           data={"kind": "waived", "amount": "5", "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "late-fees-reason", label="Reason (required when waived)")
    assert parse(html).by_id["late-fees-amount"]["attrs"]["value"] == "5"
    assert '<option value="waived" selected>' in html
    assert rows(app, LateFeeSettlement) == 0


def test_demand_with_a_bad_date_keeps_the_note(client, app, billed):
    login(client, "finance")
    response = client.post(f"/rooms/{ROOM}/demands?lang=en",
                           data={"demanded_on": "2026-02-30", "method": "sms", "note": "第二次催缴"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "demand-demanded_on", value="2026-02-30", label="Date")
    assert parse(html).by_id["demand-note"]["text"] == "第二次催缴"
    assert '<option value="sms" selected>' in html
    assert rows(app, Demand) == 0


def test_account_as_of_filter_with_a_bad_day(client, billed):
    login(client, "finance")
    response = client.get(f"/rooms/{ROOM}/account?lang=en&as_of=2026-13-01")
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "account-as-of-as_of", value="2026-13-01",
                       label="Show the account as of")


def test_arrears_and_collection_filters(client, billed):
    login(client, "manager")
    response = client.get("/estates/YJL/arrears?lang=en&as_of=yesterday")
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "arrears-as_of", value="yesterday", label="As of")
    response = client.get("/billing/collection?lang=en&estate=YJL&period=2026-1")
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "collection-period", label="Period")


def test_flash_categories_differ(client, app, billed):
    login(client, "finance")
    done = client.post(f"/rooms/{ROOM}/payments?lang=en", data={"amount": "50", "channel": "cash"})
    assert done.status_code == 302, done.get_data(as_text=True)[-3000:]
    html = client.get(f"/rooms/{ROOM}/account?lang=en").get_data(as_text=True)
    assert '<p class="flash success" role="status">' in html and "Done</span> Payment" in html
