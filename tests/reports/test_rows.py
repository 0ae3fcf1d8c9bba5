"""The rows behind every figure: they add up to it, they page, they export to CSV and XLSX with ID
numbers masked (条例 Art. 65), and an estate's lists need the estate."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, update

from pms.estates.models import Ownership, Person, Room
from tests.web import logged_in


def rows(api, kind, user="auditor", **query):
    return api.get(user, f"/api/v1/reports/rows/{kind}", query_string={"period": "2026-03", **query})


def test_claims_rows_add_up_to_the_money_figures(api, paid_claim):
    body = rows(api, "claims", program="TBB-2026").get_json()
    assert body["total"] == 1
    (row,) = body["items"]
    assert (row["claim"], row["claimed_fen"], row["approved_fen"], row["disbursed_fen"], row["clawed_back_fen"],
            row["status"]) == (paid_claim, 10386, 8193, 5000, 1000, "partly_approved")
    assert rows(api, "claims", program="YL-2026").get_json()["total"] == 0


def test_claim_lines_show_the_evidence_and_the_reason(api, paid_claim):
    items = rows(api, "claim_lines", program="TBB-2026").get_json()["items"]
    assert [(r["room"], r["amount_fen"], r["approved_fen"], r["status"], r["evidence_type"]) for r in items] == [
        ("YJL-3-2-501", 5193, 5193, "approved", "bill_line"),
        ("YJL-3-2-502", 5193, 3000, "partly_approved", "bill_line")]
    assert items[1]["reason"] == "面积核减：车库不计" and items[0]["evidence"].endswith(":PROPERTY")


def _with_id_number(db, room="YJL-3-2-501", number="110101194501151234"):
    owner = db.scalar(select(Person).join(Ownership, Ownership.person_id == Person.id)
                      .join(Room, Room.id == Ownership.room_id).where(Room.code == room))
    db.execute(update(Person).where(Person.id == owner.id).values(id_number=number))
    db.commit()
    return owner.name


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_mask_id_numbers(api, paid_claim, db, fmt):
    name = _with_id_number(db)
    reply = rows(api, "claim_lines", program="TBB-2026", format=fmt)
    assert reply.status_code == 200
    assert f"claim_lines-110112-2026-03-TBB-2026.{fmt}" in reply.headers["Content-Disposition"]
    if fmt == "csv":
        assert reply.data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Chinese right
        table = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(reply.data), read_only=True).active
        table = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    text = "\n".join(",".join(r) for r in table)
    assert "110101194501151234" not in text and "110101********1234" in text and name in text
    assert len(table) == 3  # a header and two lines
    keys = [c["key"] for c in rows(api, "claim_lines", program="TBB-2026").get_json()["columns"]]
    assert len(table[0]) == len(keys)  # the columns of the JSON, labelled in the reader's language
    assert [r[keys.index("amount_fen")] for r in table[1:]] == ["51.93", "51.93"]  # yuan
    assert [r[keys.index("status")] for r in table[1:]] == ["已核准", "部分核准"]  # words, not codes


def test_the_page_and_its_exports_mask_id_numbers_too(client, api, paid_claim, db):
    _with_id_number(db)
    browser = logged_in(client.application.test_client(), "auditor")
    page = browser.get("/reports/rows/claim_lines?period=2026-03&program=TBB-2026")
    assert page.status_code == 200
    assert "110101********1234" in page.text and "110101194501151234" not in page.text
    export = browser.get("/reports/rows/claim_lines.csv?period=2026-03&program=TBB-2026")
    assert export.status_code == 200 and "110101194501151234" not in export.data.decode("utf-8-sig")


def test_bills_tickets_and_visits_are_listed_per_estate(api, paid_claim):
    refused = rows(api, "bills")
    assert refused.status_code == 422 and "estate" in refused.get_json()["error"]["fields"]
    bills = rows(api, "bills", estate="YJL").get_json()
    assert [(b["room"], b["receivable_fen"], b["received_fen"], b["paid_in_full"]) for b in bills["items"]] == [
        ("YJL-3-2-501", 8193, 8193, True), ("YJL-3-2-502", 5193, 0, False)]
    visits = rows(api, "visits", estate="YJL").get_json()
    assert visits["total"] == 3 and all(v["verified"] and v["delivered"] for v in visits["items"])
    assert rows(api, "tickets", estate="YJL").get_json()["total"] == 0


def test_findings_and_allocations(api, paid_claim):
    allocations = rows(api, "allocations", program="TBB-2026").get_json()["items"]
    assert [(a["estate"], a["amount_fen"], a["created_by"]) for a in allocations] == [("YJL", 20000, "officer")]
    findings = rows(api, "findings").get_json()
    assert findings["total"] == len(api.get("auditor", f"/api/v1/claims/{paid_claim}/anomalies")
                                    .get_json()["items"])


def test_rows_page_by_limit_and_offset(api, paid_claim):
    first = rows(api, "claim_lines", limit=1).get_json()
    second = rows(api, "claim_lines", limit=1, offset=1).get_json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (2, 1, 1)
    assert first["items"][0]["line"] != second["items"][0]["line"]
    assert rows(api, "claim_lines", limit=0).status_code == 422


def test_an_unknown_list_is_404(api, world, clock):
    assert rows(api, "people").status_code == 404


def test_another_district_s_programme_lists_nothing(api, paid_claim):
    """The filters stay inside the reader's district: CY-1 does not exist for Tongzhou's auditor."""
    assert rows(api, "claims", program="CY-1").get_json()["total"] == 0
    assert rows(api, "bills", estate="HXY").get_json()["total"] == 0


def test_every_anomaly_rule_and_evidence_type_has_words():
    from pms.reports.services import rows as tables
    from pms.subsidies.models import EVIDENCE_TYPES, FINDING_RULES

    assert set(tables.RULES) == set(FINDING_RULES)
    assert set(tables.EVIDENCE_TYPES) == set(EVIDENCE_TYPES)
