"""Credit notes: numbered corrections of a bill — split, status, ledger, late charges, roles, pages."""
from datetime import date

import pytest
from sqlalchemy import select

from pms.billing.services import ledger_checks as checks
from pms.billing.services.accounts import room_account
from pms.billing.services.credit_notes import issue_credit_note
from pms.billing.services.late_fees import accrue_late_fees
from pms.billing.models import Bill, CreditNote, JournalEntry, JournalLine, LateFeeAccrual
from pms.billing.services.payments import record_payment
from pms.billing.services.plans import apply_fee_plan
from pms.billing.services.runs import run_billing
from pms.core import periods
from pms.core.auth import Principal, Scope
from pms.core.errors import Conflict, Forbidden, Invalid, NotFound
from pms.estates.models import Room
from tests import factories as f
from tests.billing.helpers import build_estate, plan
from tests.billing.helpers_payments import assert_ledger_consistent, at, finance, issue_bill, make_plan
from tests.factories import bearer, number

ROOM = "YJL-3-2-501"


@pytest.fixture
def jan(db, world):
    """A January 2026 bill of 10,000 fen for YJL-3-2-501 (due Jan 15; 5/10k a day after 30 days)."""
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30))
    bill = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    db.commit()
    return bill


def test_credit_is_split_over_the_lines_by_largest_remainder(app, db):
    with app.test_request_context():
        company = f.make_company(db, "ACME", "安居物业")
        yjl = f.make_estate(db, "YJL", "云景里", company, f.make_district(db, "110112", "通州区"))
        build_estate(db, yjl)
        apply_fee_plan(db, yjl, plan())
        run_billing(db, yjl, "2026-02", today=date(2026, 2, 10))
    room = db.scalar(select(Room).where(Room.code == ROOM))
    bill = db.scalar(select(Bill).where(Bill.room_id == room.id, Bill.period == "2026-02"))
    # 501 in February: property 10,467 less the 50 % subsidy 5,234 = 5,233; elevator 27,001; parking 15,000.
    assert bill.payable_fen == 5233 + 27001 + 15000 == 47234
    note = issue_credit_note(db, finance(), bill.number, amount_fen=10000, reason="面积登记有误",
                             business_date=date(2026, 2, 20))
    # 10,000 × 5,233 / 47,234 = 1,107 r 41,962; × 27,001 → 5,716 r 20,456; × 15,000 → 3,175 r 32,050.
    # 9,998 given out; the two fen left go to the largest remainders: property, then parking.
    assert note.lines == [{"code": "PROPERTY", "amount_fen": 1108}, {"code": "ELEVATOR", "amount_fen": 5716},
                          {"code": "PARKING", "amount_fen": 3176}]
    assert note.number == "ACME-2026-C000001" and note.bill_status == "open"
    assert note.bill_outstanding_fen == 37234
    db.refresh(bill)
    assert (bill.waived_fen, bill.paid_fen, bill.status) == (10000, 0, "open")
    entry = db.scalar(select(JournalEntry).where(JournalEntry.kind == "credit_note"))
    lines = db.execute(select(JournalLine.account, JournalLine.room_id, JournalLine.item_code,
                              JournalLine.amount_fen).where(JournalLine.entry_id == entry.id)
                       .order_by(JournalLine.id)).all()
    assert lines == [("receivable", room.id, None, -10000), ("revenue", None, "PROPERTY", 1108),
                     ("revenue", None, "ELEVATOR", 5716), ("revenue", None, "PARKING", 3176)]
    second = issue_credit_note(db, finance(), bill.number, amount_fen=1, reason="尾差",
                               business_date=date(2026, 12, 31))
    assert second.number == "ACME-2026-C000002"  # one series per year
    third = issue_credit_note(db, finance(), bill.number, amount_fen=1, reason="尾差",
                              business_date=date(2027, 1, 1))
    assert third.number == "ACME-2027-C000001"
    assert_ledger_consistent(db)


def test_only_the_outstanding_part_can_be_credited(db, world, jan):
    record_payment(db, finance(), room_code=ROOM, amount_fen=3000, channel="cash", received_at=at(date(2026, 1, 10)))
    with pytest.raises(Invalid) as err:
        issue_credit_note(db, finance(), jan.number, amount_fen=7001, reason="多收")
    assert "amount_fen" in err.value.fields
    note = issue_credit_note(db, finance(), jan.number, amount_fen=7000, reason="多收")
    assert (note.bill_status, note.bill_outstanding_fen) == ("paid", 0)
    with pytest.raises(Invalid):  # nothing left to credit
        issue_credit_note(db, finance(), jan.number, amount_fen=1, reason="多收")
    assert_ledger_consistent(db)


def test_a_bill_credited_in_full_before_any_payment_is_void(db, world, jan):
    note = issue_credit_note(db, finance(), jan.number, amount_fen=10000, reason="重复开单")
    assert note.bill_status == "void"
    with pytest.raises(Conflict):
        issue_credit_note(db, finance(), jan.number, amount_fen=1, reason="x")
    # A payment now finds nothing to pay: it all becomes prepayment.
    paid = record_payment(db, finance(), room_code=ROOM, amount_fen=500, channel="cash")
    assert paid.allocations == [] and paid.prepaid_fen == 500
    # From the note's day (today) on, the account owes nothing and shows the bill as void.
    account = room_account(db, world.r501, periods.today())
    assert account.balance_fen == 0 and account.bills[0].status == "void"
    assert_ledger_consistent(db)


@pytest.mark.parametrize("amount, reason, field", [
    (0, "x", "amount_fen"), (-5, "x", "amount_fen"), (12.5, "x", "amount_fen"), (True, "x", "amount_fen"),
    (100, "", "reason"), (100, "   ", "reason"), (100, "x" * 256, "reason")])
def test_bad_input_names_the_field(db, world, jan, amount, reason, field):
    with pytest.raises(Invalid) as err:
        issue_credit_note(db, finance(), jan.number, amount_fen=amount, reason=reason)
    assert field in err.value.fields
    assert db.scalar(select(CreditNote.id)) is None


def test_late_charges_count_the_credit_from_its_day(db, world, jan):
    issue_credit_note(db, finance(), jan.number, amount_fen=4000, reason="减免", business_date=date(2026, 3, 1))
    # Before the credit's day the bill still owes 10,000: Feb 15–28 = 14 days × 5 fen.
    before = room_account(db, world.r501, date(2026, 2, 28))
    assert (before.balance_fen, before.late_fee_fen) == (10000, 70)
    # 14 days on 10,000 + 16 days (Mar 1–16) on 6,000 = 236,000 fen-days × 5 / 10,000 = 118.
    after = room_account(db, world.r501, date(2026, 3, 16))
    assert (after.balance_fen, after.late_fee_fen) == (6000, 118)
    assert after.bills[0].credited_fen == 4000
    # The daily job accrues the same amount.
    assert accrue_late_fees(db, world.yjl.id, date(2026, 3, 16)).total_fen == 118
    assert db.scalar(select(LateFeeAccrual.amount_fen)) == 118
    assert_ledger_consistent(db)


def test_service_roles_and_scope(db, world, jan):
    other = Principal(user_id=99, username="other", role="finance", scope=Scope(estate_ids=frozenset({world.hxy.id})),
                      company_id=world.other.id)
    with pytest.raises(NotFound):
        issue_credit_note(db, other, jan.number, amount_fen=100, reason="x")
    resident = Principal(user_id=98, username="r", role="resident", scope=Scope(room_ids=frozenset({world.r501.id})),
                         company_id=None)
    with pytest.raises(Forbidden):
        issue_credit_note(db, resident, jan.number, amount_fen=100, reason="x")


@pytest.mark.parametrize("user, status", [
    ("finance", 201), ("manager", 201), ("admin", 201), ("resident", 403), ("auditor", 403), ("tech", 403),
    ("carer", 403), ("other_manager", 404), ("other_resident", 404), ("other_auditor", 403), ("officer", 403),
    ("other_officer", 403)])
def test_api_role_matrix(client, jan, user, status):
    response = client.post(f"/api/v1/bills/{jan.number}/credit-notes", headers=bearer(client, user),
                           json={"amount_fen": 2500, "reason": "维修期间减免"})
    assert response.status_code == status, response.get_json()
    if status == 201:
        body = response.get_json()
        assert body["number"] == number(1, series="C") and body["bill"] == jan.number
        assert body["amount_fen"] == 2500 and body["bill_outstanding_fen"] == 7500
        assert body["lines"] == [{"code": "PROPERTY", "amount_fen": 2500}]
        bills = client.get(f"/api/v1/rooms/{ROOM}/account?as_of={periods.today()}", headers=bearer(client, user))
        assert bills.get_json()["balance_fen"] == 7500


def test_api_validation_and_unknown_bill(client, jan):
    headers = bearer(client, "finance")
    response = client.post(f"/api/v1/bills/{jan.number}/credit-notes", headers=headers,
                           json={"amount_fen": "25", "reason": ""})
    assert response.status_code == 422
    assert {"amount_fen", "reason"} <= set(response.get_json()["error"]["fields"])
    response = client.post(f"/api/v1/bills/{jan.number}/credit-notes", headers=headers,
                           json={"amount_fen": 10001, "reason": "x"})
    assert response.status_code == 422 and "amount_fen" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/bills/NOPE-1/credit-notes", headers=headers,
                       json={"amount_fen": 1, "reason": "x"}).status_code == 404


def test_account_page_credit_form(client, jan):
    from tests.billing.test_views_accounts import login

    login(client, "finance")
    page = client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)
    assert f"/bills/{jan.number}/credit-notes" in page
    bad = client.post(f"/bills/{jan.number}/credit-notes", data={"amount": "abc", "reason": "x"})
    assert bad.status_code == 422
    done = client.post(f"/bills/{jan.number}/credit-notes", data={"amount": "12.50", "reason": "漏水期间减免"},
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and number(1, series="C") in html and "漏水期间减免" in html
    client.post("/logout")
    login(client, "resident")
    assert client.post(f"/bills/{jan.number}/credit-notes",
                       data={"amount": "1", "reason": "x"}).status_code == 403


def test_audit_verify_catches_a_tampered_credit(db, world, jan):
    from sqlalchemy import update

    issue_credit_note(db, finance(), jan.number, amount_fen=2500, reason="减免")
    assert_ledger_consistent(db)
    db.execute(update(Bill).where(Bill.id == jan.id).values(waived_fen=3000))
    breach = checks.bill_credit_mismatch(db)
    assert breach is not None and breach.check == "bill_credited" and jan.number in breach.record
    assert "waived_fen 3000 but credit notes sum to 2500" in breach.detail


def test_resident_sees_the_credit_on_the_phone(client, jan):
    from tests.billing.test_views_accounts import login

    response = client.post(f"/api/v1/bills/{jan.number}/credit-notes", headers=bearer(client, "finance"),
                           json={"amount_fen": 2500, "reason": "维修期间减免"})
    assert response.status_code == 201
    login(client, "resident")
    listing = client.get("/my/bills").get_data(as_text=True)
    assert 'data-label="尚需缴纳"><b>¥75.00</b>' in listing and "已冲减 ¥25.00" in listing
    detail = client.get(f"/bills/{jan.number}").get_data(as_text=True)
    assert "已冲减：¥25.00" in detail and "¥75.00" in detail


def _race(app, url, bodies, user="finance"):
    """POST the bodies at once from separate clients; the status codes, in any order."""
    import threading

    clients = [app.test_client() for _ in bodies]
    headers = bearer(clients[0], user)
    barrier, codes = threading.Barrier(len(bodies)), []

    def post(c, body):
        barrier.wait()
        codes.append(c.post(url, headers=headers, json=body).status_code)

    threads = [threading.Thread(target=post, args=(c, b)) for c, b in zip(clients, bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


def test_two_credit_notes_at_once_never_credit_more_than_is_owed(app, db, jan):
    codes = _race(app, f"/api/v1/bills/{jan.number}/credit-notes",
                  [{"amount_fen": 6000, "reason": "a"}, {"amount_fen": 6000, "reason": "b"}])
    assert codes == [201, 422]
    db.expire_all()
    assert db.get(Bill, jan.id).waived_fen == 6000
    assert db.scalars(select(CreditNote.number)).all() == [number(1, series="C")]
    assert_ledger_consistent(db)
