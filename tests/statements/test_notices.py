"""Arrears notices (催缴通知书): one page per room in arrears with its overdue bills and the
contract's late-charge clause, read back from the PDF; a written demand recorded per room (none
twice a day), which the arrears list then shows; who may print; no notice threatens utilities.

Hand-computed numbers, today 2026-03-16 (business clock): YJL-3-2-501 owes three bills of 100.00
yuan due 01-15, 02-15 and 03-15 (60, 29 and 1 days overdue; 300.00 in all); YJL-3-2-502 owes
50.00 − 20.00 paid = 30.00 due 01-15 (60 days). The plan charges 5 per 10,000 a day from the 4th
day after the due date (3 days' grace), at most 10 %."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from pms.billing.models import Demand
from pms.billing.services.payments import record_payment
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.factories import bearer
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.web import logged_in

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/estates/YJL/arrears/notices"
# Words a notice must never use: cutting water, power, heating or gas over fees is unlawful.
THREATS = re.compile(r"停水|停电|停暖|停气|断水|断电|断气|停止供|限制供|cut off|disconnect|shut off", re.I)


@pytest.fixture
def owing(db, world, clock):
    plan = make_plan(db, world.yjl, late_fee=(5, 3, 10))
    for period in ("2026-01", "2026-02", "2026-03"):
        issue_bill(db, world.r501, period, 10000, plan=plan)
    issue_bill(db, world.r502, "2026-01", 5000, plan=plan)
    record_payment(db, finance(), room_code="YJL-3-2-502", amount_fen=2000, channel="cash",
                   received_at=at(date(2026, 2, 1)))
    db.commit()
    clock.set_today(date(2026, 3, 16))


def post(client, user="finance", **body):
    return client.post(URL, json=body, headers=bearer(client, user))


def demands(db):
    db.rollback()
    return [(d.demanded_on, d.method, d.note) for d in db.scalars(select(Demand).order_by(Demand.id))]


def test_a_page_per_room_with_its_bills_and_the_clause(client, owing, db, pdf_tools):  # noqa: F811
    reply = post(client)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.headers["Content-Type"] == "application/pdf"
    assert 'filename="notices-YJL-20260316.pdf"' in reply.headers["Content-Disposition"]
    pages = pdf_tools.pages(reply.data)
    assert len(pages) == 2
    first, second = (page.replace(" ", "") for page in pages)
    for text in ("云景里", "YJL-3-2-501", "CJ-20260316-YJL-3-2-501", "¥300.00", "2026-01", "2026-03-15",
                 "万分之5", "第4日", "10%"):
        assert text in first, (text, first[:300])
    assert "60" in first and "29" in first
    for text in ("YJL-3-2-502", "CJ-20260316-YJL-3-2-502", "¥30.00", "60"):
        assert text in second, (text, second[:300])
    assert not THREATS.search(pdf_tools.text(reply.data))
    assert all(f["embedded"] for f in pdf_tools.fonts(reply.data))


def test_each_notice_is_a_demand_once_a_day(client, owing, db):
    assert post(client).status_code == 200
    assert demands(db) == [(date(2026, 3, 16), "notice", "CJ-20260316-YJL-3-2-501"),
                           (date(2026, 3, 16), "notice", "CJ-20260316-YJL-3-2-502")]
    assert post(client, user="manager").status_code == 200  # a reprint the same day
    assert len(demands(db)) == 2
    rows = client.get("/api/v1/estates/YJL/arrears", headers=bearer(client, "finance")).get_json()["items"]
    assert {r["room"]: r["last_demand_on"] for r in rows} == {"YJL-3-2-501": "2026-03-16",
                                                             "YJL-3-2-502": "2026-03-16"}


def test_a_building_and_nobody_owing(client, owing, db):
    assert post(client, building="3").status_code == 200
    nobody = post(client, building="4")
    assert nobody.status_code == 409 and "YJL-4" in nobody.get_json()["error"]["message"]
    assert post(client, building="").status_code == 422
    assert len(demands(db)) == 2


@pytest.mark.parametrize("user, status", [
    ("finance", 200), ("manager", 200), ("admin", 200), ("auditor", 403), ("officer", 403), ("tech", 403),
    ("carer", 403), ("other_manager", 404), ("resident", 403), ("other_resident", 404), ("other_auditor", 403)])
def test_who_prints_notices(client, owing, db, user, status):
    assert post(client, user=user).status_code == status, user
    assert len(demands(db)) == (2 if status == 200 else 0)


def test_the_arrears_page_has_the_button_for_finance_only(client, owing, db):
    finance = logged_in(client.application.test_client(), "finance")
    page = finance.get("/estates/YJL/arrears").text
    assert 'id="notices"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    done = finance.post("/estates/YJL/arrears/notices", data={"building": "",
                                                               **({"csrf_token": token.group(1)} if token else {})})
    assert done.status_code == 200 and done.headers["Content-Type"] == "application/pdf"
    assert len(demands(db)) == 2
    auditor = logged_in(client.application.test_client(), "auditor")
    assert 'id="notices"' not in auditor.get("/estates/YJL/arrears").text


def test_no_notice_template_or_its_words_threaten_utilities():
    """Every arrears notice template, and the Chinese of every string they use (a planned-works
    notice says 停水 rightly: it announces an outage, it demands nothing)."""
    from babel.messages.pofile import read_po

    templates = [p for p in (ROOT / "templates").rglob("*.html") if "arrears" in p.name and "notice" in p.name]
    assert templates, "no notice template found"
    with open(ROOT / "pms/translations/zh_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh)
    for template in templates:
        source = template.read_text(encoding="utf-8")
        assert not THREATS.search(source), template
        used = [m for m in catalogue if m.id and any(str(loc[0]).endswith(template.name) for loc in m.locations)]
        for message in used:
            assert not THREATS.search(str(message.string or "")), (template.name, message.id)


def test_the_statement_says_the_same_clause(client, owing, db, pdf_tools):  # noqa: F811
    """The statement of a bill prints its plan's late-charge clause as the notice does; a plan
    without one says the contract provides for none."""
    from pms.billing.models import Bill
    from pms.statements import services

    bill = db.scalar(select(Bill).where(Bill.period == "2026-01").order_by(Bill.id).limit(1))
    text = " ".join(pdf_tools.text(services.statement_pdf(db, bill)).split())
    assert ("a late charge of 5 per 10,000 of the amount overdue is added per day, starting on day 4 after the "
            "due date, at most 10 % of the amount.") in text


def test_clause_words():
    from pms.billing.rules import Clause
    from pms.statements.services import late_charge_clause

    assert late_charge_clause(None) == "The property service contract provides for no late charge."
    assert late_charge_clause(Clause(0)) == late_charge_clause(None)
    assert late_charge_clause(Clause(5, 3, None)) == (
        "Under the property service contract, a late charge of 5 per 10,000 of the amount overdue is added per "
        "day, starting on day 4 after the due date.")
    assert late_charge_clause(Clause(5, 0, 10)).endswith("starting on day 1 after the due date, at most 10 % of the amount.")


def test_the_cli_prints_a_file_per_building_and_reruns_safely(runner, owing, db, tmp_path, pdf_tools):  # noqa: F811
    result = runner.invoke(args=["notices", "print", "--estate", "YJL", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 files written, 2 demands recorded" in result.output
    (pdf,) = tmp_path.glob("*.pdf")
    assert pdf.name == "notices-YJL-3-20260316.pdf"
    assert "YJL-3-2-501" in pdf_tools.text(pdf.read_bytes())
    # The building's notices are an issued document: the file checks out against the archive.
    first = pdf.read_bytes()
    checked = runner.invoke(args=["documents", "verify", str(pdf)])
    assert checked.exit_code == 0 and "genuine" in checked.output, checked.output
    again = runner.invoke(args=["notices", "print", "--estate", "YJL", "--out", str(tmp_path)])
    assert again.exit_code == 0 and "1 files written, 0 demands recorded" in again.output
    assert len(demands(db)) == 2
    # Printed again the same day: the same issued notices, byte for byte.
    assert pdf.read_bytes() == first
    nobody = runner.invoke(args=["notices", "print", "--estate", "YJL", "--building", "9", "--out", str(tmp_path)])
    assert nobody.exit_code == 0 and "0 files written" in nobody.output
