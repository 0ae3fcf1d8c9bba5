"""The programme's side of a claim (CONTRACT.md "Subsidies"): the officer reviews line by line, a
second officer records the payment (four eyes), money found unjustified is clawed back; each step
is a journal entry per programme and `pms audit verify` passes.

Hand-computed numbers (tests/subsidies/test_claims.py): March's 先尝后买 claim has two lines of
5193 fen (10386). The officer approves 5193 + 3000 = 8193 and leaves 2193 short; payments of
5000 and 3193 settle it; 1000 is clawed back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.billing.models import JournalLine
from pms.subsidies.models import Program
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import program  # noqa: F401  (fixture)
from tests.subsidies.test_claims import billed, build  # noqa: F401  (fixture)


@pytest.fixture
def second_officer(app, world):
    from pms.core.db import get_session
    from tests import factories as f

    with app.app_context():
        s = get_session()
        f.make_user(s, "officer2", "officer", district=world.tongzhou)
        s.commit()
    return "officer2"


@pytest.fixture
def submitted(api, billed):  # noqa: F811
    claim = build(api).get_json()
    assert api.post("finance", f"/api/v1/claims/{claim['id']}/submit").status_code == 200
    return claim


def review(api, claim, decisions, user="officer"):
    return api.post(user, f"/api/v1/claims/{claim['id']}/review", {"lines": [
        {"id": line["id"], **decision} for line, decision in zip(claim["lines"], decisions)]})


def balances(db) -> dict:
    """The TBB-2026 programme's balance per account (debit positive)."""
    db.rollback()
    tbb = db.scalar(select(Program.id).where(Program.code == "TBB-2026"))
    rows = db.execute(select(JournalLine.account, func.sum(JournalLine.amount_fen))
                      .where(JournalLine.program_id == tbb).group_by(JournalLine.account)).all()
    return {account: total for account, total in rows if total}


PARTLY = [{"approved_fen": 5193}, {"approved_fen": 3000, "reason": "面积核减：车库不计"}]


def test_a_partly_approved_claim_moves_the_claimed_money_in_the_ledger(api, submitted, db):
    assert balances(db) == {"subsidy_claimed": 10386}  # billed 10386, all of it claimed
    r = review(api, submitted, PARTLY)
    assert r.status_code == 200, r.get_json()
    claim = r.get_json()
    assert (claim["status"], claim["approved_fen"], claim["reviewed_by"]) == ("partly_approved", 8193, "officer")
    assert [(line["status"], line["approved_fen"], line["reason"]) for line in claim["lines"]] == [
        ("approved", 5193, ""), ("partly_approved", 3000, "面积核减：车库不计")]
    assert balances(db) == {"subsidy_approved": 8193, "subsidy_shortfall": 2193}


def test_review_refusals_name_the_line_and_change_nothing(api, submitted, db):
    over = review(api, submitted, [{"approved_fen": 5194}, {"approved_fen": 0, "reason": "x"}])
    assert over.status_code == 422 and set(over.get_json()["error"]["fields"]) == {"lines.0.approved_fen"}
    no_reason = review(api, submitted, [{"approved_fen": 5193}, {"approved_fen": 1}])
    assert no_reason.status_code == 422 and set(no_reason.get_json()["error"]["fields"]) == {"lines.1.reason"}
    partial = review(api, submitted, [{"approved_fen": 5193}])
    assert partial.status_code == 422 and set(partial.get_json()["error"]["fields"]) == {"lines"}
    assert api.get("officer", f"/api/v1/claims/{submitted['id']}").get_json()["status"] == "submitted"
    assert balances(db) == {"subsidy_claimed": 10386}
    assert review(api, submitted, PARTLY).status_code == 200
    assert review(api, submitted, PARTLY).status_code == 409  # reviewed once


def test_a_draft_is_not_reviewed_and_only_the_district_s_officer_reviews(api, billed):  # noqa: F811
    draft = build(api).get_json()
    assert review(api, draft, PARTLY).status_code == 409
    assert api.post("manager", f"/api/v1/claims/{draft['id']}/submit").status_code == 200
    for user, status in [("manager", 403), ("finance", 403), ("auditor", 403), ("other_officer", 404),
                         ("resident", 404), ("tech", 403)]:
        assert review(api, draft, PARTLY, user=user).status_code == status, user


def test_four_eyes_and_payments_never_pass_what_was_approved(api, submitted, second_officer, db, runner, clock):
    pay = {"amount_fen": 5000, "date": clock.today().isoformat(), "reference": "ICBC-20260402-001"}
    url = f"/api/v1/claims/{submitted['id']}/disbursements"
    assert api.post("officer2", url, pay).status_code == 409  # nothing approved yet
    assert review(api, submitted, PARTLY).status_code == 200
    mine = api.post("officer", url, pay)
    assert mine.status_code == 403 and "#" in mine.get_json()["error"]["message"]  # the approver
    first = api.post("officer2", url, pay)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["disbursed_fen"] == 5000
    over = api.post("officer2", url, {**pay, "amount_fen": 3194})
    assert over.status_code == 422 and "3193" in over.get_json()["error"]["fields"]["amount_fen"][0]
    future = api.post("officer2", url, {**pay, "amount_fen": 1, "date": "2099-01-01"})
    assert future.status_code == 422 and "date" in future.get_json()["error"]["fields"]
    assert api.post("other_officer", url, pay).status_code == 404
    assert api.post("manager", url, pay).status_code == 403
    assert api.post("officer2", url, {**pay, "amount_fen": 3193}).status_code == 201
    assert api.post("officer2", url, {**pay, "amount_fen": 1}).status_code == 422  # 0 left
    assert balances(db) == {"cash": 8193, "subsidy_shortfall": 2193}
    shown = api.get("auditor", f"/api/v1/claims/{submitted['id']}").get_json()
    assert [(p["kind"], p["amount_fen"], p["recorded_by"]) for p in shown["payments"]] == [
        ("disbursement", 5000, "officer2"), ("disbursement", 3193, "officer2")]
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "FAIL" not in verify.output, verify.output


def test_a_clawback_is_a_new_entry_with_a_reason(api, submitted, second_officer, db, clock):
    assert review(api, submitted, PARTLY).status_code == 200
    api.post("officer2", f"/api/v1/claims/{submitted['id']}/disbursements",
             {"amount_fen": 8193, "date": clock.today().isoformat(), "reference": "ICBC-1"})
    url = f"/api/v1/claims/{submitted['id']}/clawbacks"
    assert api.post("officer", url, {"amount_fen": 1000}).status_code == 422  # no reason
    assert api.post("officer", url, {"amount_fen": 8194, "reason": "x"}).status_code == 422
    assert api.post("manager", url, {"amount_fen": 1, "reason": "x"}).status_code == 403
    back = api.post("officer", url, {"amount_fen": 1000, "reason": "502 室当月空置，不应享受补贴"})
    assert back.status_code == 201, back.get_json()
    body = back.get_json()
    assert (body["disbursed_fen"], body["clawed_back_fen"]) == (8193, 1000)
    assert body["payments"][-1]["reference"] == "502 室当月空置，不应享受补贴"
    assert balances(db) == {"cash": 7193, "subsidy_shortfall": 2193, "subsidy_clawback": 1000}


def test_a_rejected_line_s_evidence_can_be_claimed_again(api, submitted):
    r = review(api, submitted, [{"approved_fen": 5193}, {"approved_fen": 0, "reason": "缺少面积核验"}])
    assert r.get_json()["lines"][1]["status"] == "rejected"
    again = build(api)
    assert again.status_code == 201
    assert [(line["room"], line["amount_fen"]) for line in again.get_json()["lines"]] == [
        (submitted["lines"][1]["room"], 5193)]
