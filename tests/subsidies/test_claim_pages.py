"""The claim pages: finance builds and submits a claim with one button, the district's officer
reviews it line by line (a refused row comes back 422 with its input and the message beside it), a
second officer records the payment, the approver is told why they cannot; auditors read; others
are refused. Numbers as in tests/subsidies/test_claims.py (two lines of 5193 fen)."""
from __future__ import annotations

import re

import pytest

from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import program  # noqa: F401  (fixture)
from tests.forms_html import assert_field_error
from tests.subsidies.test_claims import billed  # noqa: F401  (fixture)
from tests.subsidies.test_reviews import second_officer  # noqa: F401  (fixture)
from tests.web import logged_in, text


def page_as(client, user):
    browser = logged_in(client.application.test_client(), user)
    browser.get("/?lang=en")  # English for the rest of the session
    return browser


def built_and_submitted(client) -> tuple[object, int]:
    finance = page_as(client, "finance")
    form = text(finance.get("/claims"))
    assert 'id="claim-build-program"' in form and "TBB-2026" in form and 'value="2026-03"' in form
    done = finance.post("/claims", data={"program": "TBB-2026", "estate": "YJL", "period": "2026-03"})
    assert done.status_code == 302, text(done)
    claim = int(done.headers["Location"].rsplit("/", 1)[1])
    html = text(finance.get(f"/claims/{claim}"))
    assert "Claim #%d built: ¥103.86 from 2 pieces of evidence" % claim in html
    assert html.count('id="line-') == 2 and "Submit to the programme" in html
    assert finance.post(f"/claims/{claim}/submit").status_code == 302
    assert "Submitted, awaiting review" in text(finance.get(f"/claims/{claim}"))
    return finance, claim


def line_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="line-(\d+)"', html)]


def test_build_submit_review_and_pay_through_the_pages(client, billed, second_officer):  # noqa: F811
    finance, claim = built_and_submitted(client)
    officer = page_as(client, "officer")
    html = text(officer.get(f"/claims/{claim}"))
    first, second = line_ids(html)
    assert f'id="claim-review-approved-{first}"' in html and 'value="51.93"' in html
    refused = officer.post(f"/claims/{claim}/review", data={f"approved-{first}": "51.93", f"approved-{second}": "30",
                                                           f"reason-{second}": ""})
    assert refused.status_code == 422
    assert_field_error(text(refused), f"claim-review-reason-{second}", label="Row 2: reason",
                       message="Say why the line is not approved in full.")
    assert_field_error(text(refused), f"claim-review-reason-{second}", value="")
    done = officer.post(f"/claims/{claim}/review", data={f"approved-{first}": "51.93", f"approved-{second}": "30",
                                                        f"reason-{second}": "面积核减"})
    assert done.status_code == 302
    html = text(officer.get(f"/claims/{claim}"))
    assert "Partly approved" in html and "¥81.93" in html and "面积核减" in html
    assert "another officer of the district records its payment" in html and 'id="disbursement-amount"' not in html
    payer = page_as(client, "officer2")
    form = text(payer.get(f"/claims/{claim}"))
    assert 'id="disbursement-amount"' in form and 'value="81.93"' in form
    over = payer.post(f"/claims/{claim}/disbursements", data={"amount": "81.94", "date": "2026-04-01",
                                                             "reference": "ICBC-1"})
    assert over.status_code == 422
    assert_field_error(text(over), "disbursement-amount", value="81.94", label="Amount (yuan)",
                       message="Above what is approved and not yet paid: 8193 fen (¥81.93).")
    paid = payer.post(f"/claims/{claim}/disbursements", data={"amount": "81.93", "date": "2026-04-01",
                                                             "reference": "ICBC-1"})
    assert paid.status_code == 302
    html = text(finance.get(f"/claims/{claim}"))
    assert "ICBC-1" in html and 'id="paid">¥81.93' in html and 'id="disbursement-amount"' not in html


def test_readers_read_and_others_are_refused(client, billed):  # noqa: F811
    _finance, claim = built_and_submitted(client)
    auditor = page_as(client, "auditor")
    html = text(auditor.get(f"/claims/{claim}"))
    assert "Lines and their evidence" in html and "claim-review-approved" not in html and "Findings" in html
    assert f'id="claim-{claim}"' in text(auditor.get("/claims")) and 'id="build"' not in text(auditor.get("/claims"))
    assert auditor.post(f"/claims/{claim}/review", data={}).status_code == 403
    for user, status in [("other_officer", 404), ("other_auditor", 404), ("other_manager", 404), ("resident", 404),
                         ("tech", 403)]:
        assert page_as(client, user).get(f"/claims/{claim}").status_code == status, user
    assert page_as(client, "manager").post(f"/claims/{claim}/review", data={}).status_code == 403


def test_a_refused_build_keeps_the_input(client, billed):  # noqa: F811
    finance = page_as(client, "finance")
    refused = finance.post("/claims", data={"program": "TBB-2026", "estate": "YJL", "period": "2026-3"})
    assert refused.status_code == 422
    assert_field_error(text(refused), "claim-build-period", value="2026-3", label="Billing period")
    not_billed = finance.post("/claims", data={"program": "TBB-2026", "estate": "YJL", "period": "2026-02"})
    assert not_billed.status_code == 409 and "has not been billed" in text(not_billed)


def test_an_officer_dismisses_a_finding_on_the_page_with_a_reason(client, api, billed, app):  # noqa: F811
    from sqlalchemy import text as sql_text

    from jobs.subsidies import check_claims
    from pms.core.db import get_session

    _finance, claim = built_and_submitted(client)
    with app.app_context():
        s = get_session()
        s.execute(sql_text("DELETE FROM ownership WHERE room_id = (SELECT id FROM room WHERE code = 'YJL-3-2-502')"))
        s.commit()
    check_claims(app)
    finding = api.get("auditor", f"/api/v1/claims/{claim}/anomalies").get_json()["items"][0]
    officer = page_as(client, "officer")
    html = text(officer.get(f"/claims/{claim}"))
    assert "Vacant room" in html and f'id="finding-dismissal-{finding["id"]}-reason"' in html
    url = f"/claims/{claim}/findings/{finding['id']}/dismissal"
    refused = officer.post(url, data={"reason": ""})
    assert refused.status_code == 422
    assert_field_error(text(refused), f"finding-dismissal-{finding['id']}-reason", label="Why it is not a problem")
    assert officer.post(url, data={"reason": "业主信息待补录"}).status_code == 302
    html = text(officer.get(f"/claims/{claim}"))
    assert "Dismissed by officer: 业主信息待补录" in html and "No open findings" in html
    auditor_html = text(page_as(client, "auditor").get(f"/claims/{claim}"))
    assert "Dismissed by officer" in auditor_html and "finding-dismissal" not in auditor_html
