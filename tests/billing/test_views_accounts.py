"""Pages: the room account with the front desk's forms, the resident's phone view, arrears and
collection pages — with the role × resource matrix."""
import pytest
from sqlalchemy import func, select

from pms.billing.models import Demand, Payment, PaymentReversal
from tests.billing.helpers_payments import issue_bill, make_plan
from tests.factories import PASSWORD

ROOM = "YJL-3-2-501"


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def billed(db, world):
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30))
    bills = [issue_bill(db, world.r501, p, 10000, plan=plan) for p in ("2026-01", "2026-02")]
    db.commit()
    return [b.number for b in bills]


def count(app, model):
    with app.app_context():
        from pms.core.db import get_session
        return get_session().scalar(select(func.count(model.id)))


def test_front_desk_records_a_payment_in_yuan(client, app, billed):
    login(client, "finance")
    page = client.get(f"/rooms/{ROOM}/account?as_of=2026-03-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert billed[0] in html and "¥200.00" in html and 'name="idempotency_key"' in html
    form = {"amount": "123.45", "channel": "wechat", "reference": "WX-1", "idempotency_key": "form-1"}
    assert client.post(f"/rooms/{ROOM}/payments", data=form).status_code == 302
    assert client.post(f"/rooms/{ROOM}/payments", data=form).status_code == 302  # double submit
    assert count(app, Payment) == 1
    with app.app_context():
        from pms.core.db import get_session
        assert get_session().scalar(select(Payment.amount_fen)) == 12345
    assert "¥123.45" in client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)


@pytest.mark.parametrize("amount", ["abc", "0", "-1", "1.234", ""])
def test_bad_amount_re_renders_with_422(client, app, billed, amount):
    login(client, "finance")
    response = client.post(f"/rooms/{ROOM}/payments", data={"amount": amount, "channel": "cash"})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(app, Payment) == 0


def test_reversal_and_demand_forms(client, app, billed):
    login(client, "manager")
    client.post(f"/rooms/{ROOM}/payments", data={"amount": "50", "channel": "cash"})
    with app.app_context():
        from pms.core.db import get_session
        payment_id = get_session().scalar(select(Payment.id))
    assert client.post(f"/payments/{payment_id}/reversal", data={"reason": " "}).status_code == 422
    response = client.post(f"/payments/{payment_id}/reversal", data={"reason": "wrong room"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rooms/{ROOM}/account")
    assert count(app, PaymentReversal) == 1
    assert "wrong room" in client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)
    assert client.post(f"/rooms/{ROOM}/demands", data={"method": "sms", "note": "短信提醒"}).status_code == 302
    assert client.post(f"/rooms/{ROOM}/demands", data={"method": "pigeon"}).status_code == 422
    assert count(app, Demand) == 1


@pytest.mark.parametrize("user, room, status", [
    ("admin", ROOM, 200), ("manager", ROOM, 200), ("finance", ROOM, 200), ("auditor", ROOM, 200),
    ("resident", ROOM, 200), ("resident", "YJL-3-2-502", 404), ("tech", ROOM, 403), ("carer", ROOM, 403),
    ("other_manager", ROOM, 404), ("other_resident", ROOM, 404), ("other_auditor", ROOM, 404),
    ("officer", ROOM, 200), ("other_officer", ROOM, 404)])
def test_account_page_roles(client, world, user, room, status):
    login(client, user)
    response = client.get(f"/rooms/{room}/account")
    assert response.status_code == status
    if status == 200:
        has_forms = f'action="/rooms/{room}/payments"' in response.get_data(as_text=True)
        assert has_forms == (user in ("admin", "manager", "finance"))


@pytest.mark.parametrize("user, status", [
    ("finance", 302), ("auditor", 403), ("resident", 403), ("tech", 403), ("other_manager", 404)])
def test_payment_form_roles(client, app, world, user, status):
    login(client, user)
    response = client.post(f"/rooms/{ROOM}/payments", data={"amount": "1", "channel": "cash"})
    assert response.status_code == status
    assert count(app, Payment) == (1 if status == 302 else 0)


def test_resident_phone_view(client, billed):
    login(client, "resident")
    html = client.get("/my/account").get_data(as_text=True)
    assert ROOM in html and "YJL-3-2-502" not in html
    assert 'name="viewport"' in html
    login(client, "finance")
    assert client.get("/my/account").status_code == 302


@pytest.mark.parametrize("user, status", [
    ("finance", 200), ("manager", 200), ("auditor", 200), ("admin", 200), ("tech", 403),
    ("resident", 403), ("other_manager", 404)])
def test_arrears_page_roles(client, billed, user, status):
    login(client, user)
    assert client.get("/estates/YJL/arrears?as_of=2026-03-01").status_code == status


def test_arrears_page_and_exports(client, billed):
    login(client, "finance")
    html = client.get("/estates/YJL/arrears?as_of=2026-03-01").get_data(as_text=True)
    assert ROOM in html and "format=xlsx" in html and "format=csv" in html
    csv_export = client.get("/estates/YJL/arrears?as_of=2026-03-01&format=csv&building=")
    assert csv_export.status_code == 200 and csv_export.get_data().startswith(b"\xef\xbb\xbf")
    assert client.get("/estates/YJL/arrears?format=xlsx").mimetype.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize("user, status", [
    ("manager", 200), ("auditor", 200), ("finance", 200), ("tech", 403), ("carer", 403),
    ("resident", 403)])
def test_collection_page(client, billed, user, status):
    login(client, user)
    response = client.get("/billing/collection")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert "2026-02" in html and "0.0 %" in html and "0 / 1" in html


def test_collection_page_foreign_estate_404(client, billed):
    login(client, "other_manager")
    assert client.get("/billing/collection?estate=YJL").status_code == 404


def test_forms_work_with_csrf_protection_on(csrf_app, world):
    # No `db` fixture here: its app context would share `g` (and Flask-WTF's cached token) with
    # the requests.
    import re

    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "finance", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    page = client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    without = client.post(f"/rooms/{ROOM}/payments", data={"amount": "10", "channel": "cash"})
    assert without.status_code == 400
    with_token = client.post(f"/rooms/{ROOM}/payments",
                             data={"amount": "10", "channel": "cash", "csrf_token": token})
    assert with_token.status_code == 302
    assert count(csrf_app, Payment) == 1
