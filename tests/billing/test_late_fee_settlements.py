"""Late charges paid at the desk or waived: caps, ledger, audit checks, roles, the page."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from pms.billing.services.accounts import room_account
from pms.billing.services.late_fee_settlements import settle_late_fees
from pms.billing.services.late_fees import accrue_late_fees
from pms.billing.models import JournalEntry, JournalLine, LateFeeSettlement
from pms.core import periods
from pms.core.errors import Invalid
from tests.billing.helpers_payments import assert_ledger_consistent, finance, issue_bill, make_plan
from tests.billing.test_views_accounts import login
from tests.factories import bearer

ROOM = "YJL-3-2-501"


@pytest.fixture
def overdue(db, world):
    """A January 2023 bill of 10,000 fen never paid: its late charge reached the 30 % cap, 3,000 fen."""
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30), effective_from="2023-01")
    bill = issue_bill(db, world.r501, "2023-01", 10000, plan=plan)
    db.commit()
    return bill


def late_ledger(db, account, room_id=None):
    stmt = select(JournalLine.amount_fen).where(JournalLine.account == account)
    if room_id is not None:
        stmt = stmt.where(JournalLine.room_id == room_id)
    return sum(db.scalars(stmt))


def test_paid_then_waived(db, world, overdue):
    today = periods.today()
    assert room_account(db, world.r501, today).late_fee_fen == 3000
    paid = settle_late_fees(db, finance(), ROOM, kind="paid", amount_fen=1000, channel="wechat", reference="WX-9")
    assert (paid.amount_fen, paid.late_fee_fen) == (1000, 2000)
    account = room_account(db, world.r501, today)
    assert (account.late_fee_fen, account.late_fee_settled_fen, account.balance_fen) == (2000, 1000, 10000)
    assert late_ledger(db, "cash") == 1000
    # Nothing was booked yet (the nightly job runs after the fact): the room's late-fee ledger is
    # −1,000 now, and accruals − settlements says the same.
    assert late_ledger(db, "late_fee_receivable", world.r501.id) == -1000
    assert_ledger_consistent(db)
    accrue_late_fees(db, world.yjl.id, today)
    assert late_ledger(db, "late_fee_receivable", world.r501.id) == 2000
    waived = settle_late_fees(db, finance(), ROOM, kind="waived", amount_fen=2000, reason="业主困难，经理批准减免")
    assert waived.late_fee_fen == 0
    assert room_account(db, world.r501, today).late_fee_fen == 0
    assert late_ledger(db, "late_fee_receivable", world.r501.id) == 0
    assert late_ledger(db, "late_fee_revenue") == -3000 + 2000
    kinds = db.scalars(select(LateFeeSettlement.kind).order_by(LateFeeSettlement.id)).all()
    assert kinds == ["paid", "waived"]
    assert db.scalar(select(JournalEntry.memo).where(JournalEntry.source_type == "late_fee_settlement")
                     .order_by(JournalEntry.id.desc()).limit(1)) == "业主困难，经理批准减免"
    assert_ledger_consistent(db)
    # The day before, the account still shows the whole charge.
    before = room_account(db, world.r501, today - timedelta(days=1))
    assert (before.late_fee_fen, before.late_fee_settled_fen) == (3000, 0)


@pytest.mark.parametrize("kw, field", [
    (dict(kind="paid", amount_fen=3001, channel="cash"), "amount_fen"),
    (dict(kind="paid", amount_fen=0, channel="cash"), "amount_fen"),
    (dict(kind="paid", amount_fen=100, channel=None), "channel"),
    (dict(kind="waived", amount_fen=100, reason=" "), "reason"),
    (dict(kind="forgiven", amount_fen=100, reason="x"), "kind")])
def test_bad_settlements_name_the_field(db, world, overdue, kw, field):
    with pytest.raises(Invalid) as err:
        settle_late_fees(db, finance(), ROOM, **kw)
    assert field in err.value.fields
    assert db.scalar(select(LateFeeSettlement.id)) is None


def test_no_clause_nothing_to_settle(db, world):
    plan = make_plan(db, world.yjl, effective_from="2023-01")
    issue_bill(db, world.r501, "2023-01", 10000, plan=plan)
    with pytest.raises(Invalid) as err:
        settle_late_fees(db, finance(), ROOM, kind="waived", amount_fen=1, reason="x")
    assert "amount_fen" in err.value.fields


@pytest.mark.parametrize("user, status", [
    ("finance", 201), ("manager", 201), ("admin", 201), ("resident", 403), ("auditor", 403), ("tech", 403),
    ("carer", 403), ("other_manager", 404), ("other_resident", 404), ("other_auditor", 403), ("officer", 403),
    ("other_officer", 403)])
def test_api_role_matrix(client, overdue, user, status):
    response = client.post(f"/api/v1/rooms/{ROOM}/late-fee-settlements", headers=bearer(client, user),
                           json={"kind": "paid", "amount_fen": 500, "channel": "cash"})
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["late_fee_fen"] == 2500
        account = client.get(f"/api/v1/rooms/{ROOM}/account", headers=bearer(client, user)).get_json()
        assert (account["late_fee_fen"], account["late_fee_settled_fen"]) == (2500, 500)


def test_api_validation(client, overdue):
    headers = bearer(client, "finance")
    for body, field in (({"kind": "waived", "amount_fen": 12.5, "reason": "x"}, "amount_fen"),
                        ({"kind": "waived", "amount_fen": 100}, "reason"),
                        ({"kind": "paid", "amount_fen": 100}, "channel"),
                        ({"kind": "paid", "amount_fen": 100, "channel": "cheque"}, "channel"),
                        ({"kind": "paid", "amount_fen": 3001, "channel": "cash"}, "amount_fen")):
        response = client.post(f"/api/v1/rooms/{ROOM}/late-fee-settlements", headers=headers, json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"], body


def test_account_page_form(client, overdue):
    login(client, "finance")
    page = client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)
    assert 'id="late-fees"' in page and 'value="30.00"' in page
    bad = client.post(f"/rooms/{ROOM}/late-fee-settlements", data={"kind": "waived", "amount": "5", "reason": ""})
    assert bad.status_code == 422 and 'id="late-fees"' in bad.get_data(as_text=True)
    done = client.post(f"/rooms/{ROOM}/late-fee-settlements",
                       data={"kind": "waived", "amount": "30", "reason": "首次逾期减免"}, follow_redirects=True)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "¥30.00" in html and "首次逾期减免" in html
    assert 'id="late-fees-amount"' not in html  # nothing left to settle: the list stays, the form goes


def test_two_settlements_at_once_never_settle_more_than_is_owed(app, db, overdue):
    from tests.billing.test_credit_notes import _race

    codes = _race(app, f"/api/v1/rooms/{ROOM}/late-fee-settlements",
                  [{"kind": "paid", "amount_fen": 2000, "channel": "cash"},
                   {"kind": "waived", "amount_fen": 2000, "reason": "x"}])
    assert codes == [201, 422]
    assert len(db.scalars(select(LateFeeSettlement.id)).all()) == 1
    assert_ledger_consistent(db)


def test_a_mistaken_settlement_is_reversed_never_deleted(db, world, overdue):
    from pms.billing.services.late_fee_settlements import reverse_settlement
    from pms.core.errors import Conflict

    today = periods.today()
    paid = settle_late_fees(db, finance(), ROOM, kind="paid", amount_fen=1000, channel="cash")
    waived = settle_late_fees(db, finance(), ROOM, kind="waived", amount_fen=500, reason="误点减免")
    with pytest.raises(Invalid):
        reverse_settlement(db, finance(), waived.id, reason=" ")
    back = reverse_settlement(db, finance(), waived.id, reason="经理未批准")
    assert (back.kind, back.amount_fen, back.late_fee_fen) == ("reversal", 500, 2000)  # 3,000 − 1,000 paid
    reverse_settlement(db, finance(), paid.id, reason="收款录错房间")
    account = room_account(db, world.r501, today)
    assert (account.late_fee_fen, account.late_fee_settled_fen) == (3000, 0)
    assert late_ledger(db, "cash") == 0 and late_ledger(db, "late_fee_revenue") == 0
    assert late_ledger(db, "late_fee_receivable", world.r501.id) == 0
    with pytest.raises(Conflict):
        reverse_settlement(db, finance(), paid.id, reason="again")
    with pytest.raises(Conflict):
        reverse_settlement(db, finance(), back.id, reason="a reversal")
    assert len(db.scalars(select(LateFeeSettlement.id)).all()) == 4
    assert_ledger_consistent(db)


@pytest.mark.parametrize("user, status", [
    ("finance", 201), ("manager", 201), ("resident", 403), ("auditor", 403), ("other_manager", 404),
    ("other_resident", 404)])
def test_reversal_api_role_matrix(client, db, world, overdue, user, status):
    settled = settle_late_fees(db, finance(), ROOM, kind="paid", amount_fen=700, channel="bank")
    db.commit()
    response = client.post(f"/api/v1/late-fee-settlements/{settled.id}/reversal", headers=bearer(client, user),
                           json={"reason": "录错"})
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["late_fee_fen"] == 3000


def test_account_page_lists_and_reverses_settlements(client, db, world, overdue):
    settled = settle_late_fees(db, finance(), ROOM, kind="waived", amount_fen=3000, reason="全额减免")
    db.commit()
    login(client, "finance")
    page = client.get(f"/rooms/{ROOM}/account").get_data(as_text=True)
    assert "全额减免" in page and f"/late-fee-settlements/{settled.id}/reversal" in page
    assert 'id="late-fees-amount"' not in page  # nothing owed: no settlement form, only the list
    assert client.post(f"/late-fee-settlements/{settled.id}/reversal", data={"reason": ""}).status_code == 422
    done = client.post(f"/late-fee-settlements/{settled.id}/reversal", data={"reason": "减免未获批准"},
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "减免未获批准" in html and 'id="late-fees-amount"' in html


def test_reversal_page_answers_role_before_form(client, db, world, overdue):
    settled = settle_late_fees(db, finance(), ROOM, kind="paid", amount_fen=100, channel="cash")
    db.commit()
    login(client, "resident")  # the room is theirs, the desk's work is not
    assert client.post(f"/late-fee-settlements/{settled.id}/reversal", data={"reason": ""}).status_code == 403
    assert client.post(f"/late-fee-settlements/{settled.id + 99}/reversal", data={"reason": "x"}).status_code == 404


def test_settlement_page_answers_role_before_form(client, overdue):
    login(client, "resident")
    assert client.post(f"/rooms/{ROOM}/late-fee-settlements", data={"kind": "paid", "amount": "x"}).status_code == 403
