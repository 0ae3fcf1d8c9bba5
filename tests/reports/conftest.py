"""A district with a claim gone all the way (billed, claimed, partly approved, paid, clawed back)
and one payment, through the real API.

Hand-computed numbers (tests/subsidies/test_claims.py for the bills): March 2026, estate YJL.
- bills: YJL-3-2-501 payable 8193 (property 10386 + meals 4500 = 14886, less 5193 + 1500 of
  subsidies), YJL-3-2-502 payable 5193; receivable 13386. 501 pays 8193 in full.
- TBB-2026: budget 100000, 20000 allocated to YJL; the March claim 10386 (two lines of 5193);
  approved 5193 + 3000 = 8193; officer2 pays 5000; 1000 is clawed back.
"""
from __future__ import annotations

import pytest
from sqlalchemy import update

from pms.subsidies.models import Program
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import program  # noqa: F401  (fixture)
from tests.subsidies.test_claims import billed, build  # noqa: F401  (fixture)
from tests.subsidies.test_reviews import PARTLY, review, second_officer  # noqa: F401  (fixture)


@pytest.fixture
def paid_claim(api, billed, second_officer, db, clock):  # noqa: F811
    """The claim's id, after its whole life; and 501's bill paid in full."""
    db.execute(update(Program).where(Program.code == "TBB-2026").values(budget_fen=100000))
    db.commit()
    assert api.post("officer", "/api/v1/programs/TBB-2026/allocations",
                    {"estate": "YJL", "amount_fen": 20000}).status_code == 201
    claim = build(api).get_json()
    assert api.post("finance", f"/api/v1/claims/{claim['id']}/submit").status_code == 200
    assert review(api, claim, PARTLY).status_code == 200
    assert api.post("officer2", f"/api/v1/claims/{claim['id']}/disbursements",
                    {"amount_fen": 5000, "date": clock.today().isoformat(), "reference": "ICBC-1"}).status_code == 201
    assert api.post("officer", f"/api/v1/claims/{claim['id']}/clawbacks",
                    {"amount_fen": 1000, "reason": "车库面积不应计入"}).status_code == 201
    paid = api.post("finance", "/api/v1/payments", {"room": "YJL-3-2-501", "amount_fen": 8193, "channel": "cash",
                                                   "reference": "R1", "idempotency_key": "reports-501"})
    assert paid.status_code == 201, paid.get_json()
    return claim["id"]
