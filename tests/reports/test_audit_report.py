"""The audit report PDF of a programme and period: read back, it shows the programme in Chinese,
every money figure of tests/reports/conftest.py and the seal it took; a printed seal can be
checked later (CLI, page, API), and deleting seals or rewriting the chain is then visible."""
from __future__ import annotations

import io

from sqlalchemy import delete, select, text

from pms.core.models import AuditSeal
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.web import logged_in

REPORT = "/api/v1/reports/programs/TBB-2026/report?period=2026-03"


def _seals(db):
    db.rollback()
    return list(db.scalars(select(AuditSeal).order_by(AuditSeal.id)))


def test_the_report_reads_back_with_its_figures_and_seal(api, paid_claim, db, pdf_tools):  # noqa: F811
    reply = api.get("auditor", REPORT)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/pdf"
    assert 'filename="audit-TBB-2026-2026-03.pdf"' in reply.headers["Content-Disposition"]
    (sealed,) = _seals(db)
    assert sealed.reason == "report"
    poppler = pdf_tools.text(reply.data)
    from pypdf import PdfReader

    pypdf = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(reply.data)).pages)
    for extracted in (poppler, pypdf):
        squeezed = extracted.replace(" ", "")
        for expected in ("先尝后买", "TBB-2026", "通州区", "¥1,000.00",   # budget 100000 fen
                         "¥200.00",     # allocated
                         "¥103.86",     # claimed
                         "¥81.93",      # approved 5193 + 3000
                         "¥50.00",      # disbursed
                         "¥10.00",      # clawed back
                         "¥960.00",     # remaining 100000 − 4000
                         "¥31.93",      # approved, not paid
                         sealed.mac):
            assert expected in squeezed, (expected, extracted[:400])
    assert all(f["embedded"] for f in pdf_tools.fonts(reply.data))


def test_printing_again_without_news_seals_nothing_twice(api, paid_claim, db):
    first = api.get("auditor", REPORT)
    again = api.get("officer", REPORT)
    assert first.status_code == again.status_code == 200
    (sealed,) = _seals(db)
    assert sealed.reason == "report"
    # Issued under that seal and kept: the reprint is the kept file, checkable like any document.
    from pms.documents.models import IssuedDocument

    (kept,) = db.scalars(select(IssuedDocument).where(IssuedDocument.kind == "audit_report"))
    assert kept.number == f"TBB-2026-2026-03-S{sealed.id}" and kept.district_id is not None and kept.estate_id is None
    assert again.data == first.data
    for user, status in (("auditor", "genuine"), ("officer", "genuine"), ("other_auditor", "unknown"),
                         ("manager", "unknown")):  # a district's report: its auditors and officers
        reply = api.client.post("/api/v1/documents/verify", data=first.data, headers=api.headers(user))
        assert reply.get_json()["status"] == status, user


def test_a_printed_seal_checks_out_until_seals_are_deleted(api, paid_claim, db, runner, client):
    assert api.get("auditor", REPORT).status_code == 200
    (sealed,) = _seals(db)
    ok = runner.invoke(args=["audit", "verify", "--seal", sealed.mac])
    assert ok.exit_code == 0 and "ok    printed_seal" in ok.output, ok.output
    assert api.get("auditor", f"/api/v1/reports/seals/{sealed.mac}").get_json()["ok"] is True
    page = logged_in(client.application.test_client(), "auditor").get(f"/reports/seal?mac={sealed.mac}")
    assert "封签真实，审计日志与之一致" in page.text

    db.execute(delete(AuditSeal).where(AuditSeal.id == sealed.id))  # someone with database access
    db.commit()
    failed = runner.invoke(args=["audit", "verify", "--seal", sealed.mac])
    assert failed.exit_code == 1 and "FAIL  printed_seal" in failed.output and "deleted" in failed.output
    checked = api.get("auditor", f"/api/v1/reports/seals/{sealed.mac}").get_json()
    assert checked["ok"] is False and "deleted" in checked["detail"]
    page = logged_in(client.application.test_client(), "auditor").get(f"/reports/seal?mac={sealed.mac}")
    assert "数据库中没有此封签" in page.text


def test_a_seal_deleted_from_the_middle_breaks_the_next_one_s_link(api, paid_claim, db, runner, app):
    from pms.core import audit
    from pms.core.db import unit_of_work

    for reason in ("nightly", "manual", "nightly"):  # three seals of the same head, each linked to the last
        with app.app_context(), unit_of_work() as session:
            audit.seal(session, reason)
    seals = _seals(db)
    assert [s.prev_mac for s in seals[1:]] == [s.mac for s in seals[:-1]] and seals[0].prev_mac == ""
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.execute(delete(AuditSeal).where(AuditSeal.id == seals[1].id))
    db.commit()
    failed = runner.invoke(args=["audit", "verify"])
    assert failed.exit_code == 1 and "a seal was deleted" in failed.output, failed.output


def test_a_rewritten_chain_fails_the_printed_seal(api, paid_claim, db, runner):
    assert api.get("auditor", REPORT).status_code == 200
    (sealed,) = _seals(db)
    db.execute(text("UPDATE audit_entry SET hash = :h WHERE seq = :seq"), {"h": "f" * 64, "seq": sealed.seq})
    db.commit()
    failed = runner.invoke(args=["audit", "verify", "--seal", sealed.mac])
    assert failed.exit_code == 1 and "rewritten" in failed.output, failed.output
