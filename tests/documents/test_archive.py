"""Issued documents: rendered once as PDF/A-3u, kept with their SHA-256, served from storage; a
file checked against the archive (genuine, altered, unknown) from the CLI, the page and the API."""
from __future__ import annotations

import hashlib
import io
import threading
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from pms.billing.services.payments import record_payment
from pms.core.db import get_session, unit_of_work
from pms.core.storage import storage
from pms.documents import services as documents
from pms.documents.models import IssuedDocument
from tests.billing.helpers_payments import finance, issue_bill, make_plan
from tests.factories import bearer
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.web import logged_in

ROOM = "YJL-3-2-501"


@pytest.fixture
def paid(app, world, clock):
    """YJL-3-2-501: January's bill of ¥123.45 paid by WeChat (receipt ACME-R2026-000001)."""
    with app.app_context():
        s = get_session()
        plan = make_plan(s, world.yjl, effective_from="2026-01")
        bill = issue_bill(s, world.r501, "2026-01", 12345, plan=plan).number
        result = record_payment(s, finance(), room_code=ROOM, amount_fen=12345, channel="wechat")
        s.commit()
        return {"bill": bill, "receipt": result.receipt}


def count(app, **where) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(IssuedDocument).filter_by(**where))


def edited(pdf: bytes) -> bytes:
    """The same document saved again by another program (its identification kept)."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({"/Producer": "an editor"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_statement_is_rendered_once_then_served_from_storage(app, client, paid):
    headers = bearer(client, "finance")
    first = client.get(f"/api/v1/bills/{paid['bill']}/statement.pdf", headers=headers)
    again = client.get(f"/api/v1/bills/{paid['bill']}/statement.pdf", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.data == again.data  # the same file, not a new rendering
    assert count(app, kind="statement", number=paid["bill"]) == 1
    with app.app_context():
        kept = get_session().scalar(select(IssuedDocument).where(IssuedDocument.number == paid["bill"]))
        assert kept.sha256 == hashlib.sha256(first.data).hexdigest() and kept.size_bytes == len(first.data)
        assert kept.variant == "zh_CN" and kept.estate_id is not None and kept.room_id is not None
        assert storage().get(kept.storage_key) == first.data
    # PDF/A-3u: the identification in the document information and the PDF/A part in the XMP.
    reader = PdfReader(io.BytesIO(first.data))
    assert reader.metadata["/Keywords"] == f"pms-document statement/{paid['bill']}/zh_CN"
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8")
    assert "pdfaid:part" in raw and "3" in raw and "pdfaid:conformance" in raw and "U" in raw


def test_languages_and_masking_are_renditions_of_their_own(app, client, paid):
    client.get(f"/api/v1/bills/{paid['bill']}/statement.pdf", headers=bearer(client, "finance"))
    client.get(f"/api/v1/bills/{paid['bill']}/statement.pdf",
               headers={**bearer(client, "finance"), "Accept-Language": "en"})
    client.get(f"/api/v1/bills/{paid['bill']}/statement.pdf", headers=bearer(client, "auditor"))
    with app.app_context():
        variants = sorted(get_session().scalars(select(IssuedDocument.variant)
                                                .where(IssuedDocument.number == paid["bill"])))
    assert variants == ["en", "zh_CN", "zh_CN-masked"]


def test_a_receipt_voided_later_keeps_its_issued_file_and_gets_a_void_one(app, client, paid, pdf_tools):
    from pms.billing.services.payments import reverse_payment
    from pms.billing.models import Payment

    headers = bearer(client, "finance")
    issued = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=headers).data
    with app.app_context():
        s = get_session()
        reverse_payment(s, finance(), s.scalar(select(Payment.id)), reason="录错房号")
        s.commit()
    void = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=headers).data
    assert void != issued and "作废" in pdf_tools.text(void) and "作废" not in pdf_tools.text(issued)
    # The file issued first still checks out, and says the document was voided since.
    reply = client.post("/api/v1/documents/verify", data=issued, headers={**headers, "Content-Type": "application/pdf"})
    body = reply.get_json()
    assert body["status"] == "genuine" and body["document"]["later_variants"] == ["zh_CN-void"]
    assert "作废" in body["message"] or "voided" in body["message"]


def test_concurrent_first_downloads_keep_one_file(app, paid):
    """Two readers download a statement nobody has downloaded yet, at the same moment, each on its
    own connection: both render, one record is kept and both get its bytes."""
    from pms.billing.models import Bill
    from pms.statements import services

    barrier, results, errors = threading.Barrier(2), [], []

    def download():
        try:
            with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
                barrier.wait(timeout=10)
                # SQLite serialises the two units of work; PostgreSQL lets both render and race.
                with unit_of_work() as s:
                    bill = s.scalar(select(Bill).where(Bill.number == paid["bill"]))
                    results.append(services.statement_pdf(s, bill))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=download) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert count(app, kind="statement") == 1
    with app.app_context():
        kept = get_session().scalar(select(IssuedDocument))
        assert all(hashlib.sha256(r).hexdigest() == kept.sha256 for r in results), "a reader got a file not kept"


def test_cli_verify_genuine_altered_and_unknown(app, client, runner, paid, tmp_path):
    pdf = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=bearer(client, "finance")).data
    genuine, altered, stranger = tmp_path / "r.pdf", tmp_path / "edited.pdf", tmp_path / "x.pdf"
    genuine.write_bytes(pdf)
    altered.write_bytes(edited(pdf))
    stranger.write_bytes(b"%PDF-1.4 not ours")
    ok = runner.invoke(args=["documents", "verify", str(genuine)])
    assert ok.exit_code == 0, ok.output
    assert f"genuine: This file is Receipt {paid['receipt']}, issued on 2026-03-02, unaltered." in ok.output
    assert hashlib.sha256(pdf).hexdigest() in ok.output
    bad = runner.invoke(args=["documents", "verify", str(altered)])
    assert bad.exit_code == 1 and f"altered: This file claims to be Receipt {paid['receipt']}" in bad.output
    unknown = runner.invoke(args=["documents", "verify", str(stranger), str(genuine)])
    assert unknown.exit_code == 1 and "unknown: This file is not a document issued by this service" in unknown.output


@pytest.mark.parametrize("user, status", [
    ("finance", "genuine"), ("manager", "genuine"), ("resident", "genuine"), ("auditor", "genuine"),
    ("officer", "genuine"), ("admin", "genuine"), ("tech", "genuine"),
    ("other_manager", "unknown"), ("other_resident", "unknown"), ("other_auditor", "unknown"),
    ("other_officer", "unknown"),
])
def test_who_learns_what_a_file_is(client, paid, user, status):
    pdf = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=bearer(client, "finance")).data
    headers = bearer(client, user)
    reply = client.post("/api/v1/documents/verify", data={"file": (io.BytesIO(pdf), "r.pdf")}, headers=headers,
                        content_type="multipart/form-data")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["status"] == status
    assert (body["document"] is None) == (status == "unknown")
    # An altered copy is named only to those who may know the document.
    assert client.post("/api/v1/documents/verify", data=edited(pdf), headers=headers).get_json()["status"] == (
        "altered" if status == "genuine" else "unknown")
    sha = hashlib.sha256(pdf).hexdigest()
    assert client.get(f"/api/v1/documents/{sha}", headers=headers).status_code == (200 if status == "genuine" else 404)


def test_a_resident_does_not_learn_of_a_neighbour_s_receipt(app, client, world, clock):
    with app.app_context():
        s = get_session()
        plan = make_plan(s, world.yjl, effective_from="2026-01")
        issue_bill(s, world.r502, "2026-01", 5000, plan=plan)
        receipt = record_payment(s, finance(), room_code="YJL-3-2-502", amount_fen=5000, channel="cash").receipt
        s.commit()
    pdf = client.get(f"/api/v1/receipts/{receipt}.pdf", headers=bearer(client, "finance")).data
    reply = client.post("/api/v1/documents/verify", data=pdf, headers=bearer(client, "resident"))
    assert reply.get_json()["status"] == "unknown"


def test_an_empty_upload_names_the_field(client, paid):
    reply = client.post("/api/v1/documents/verify", data=b"", headers=bearer(client, "auditor"))
    assert reply.status_code == 422 and "file" in reply.get_json()["error"]["fields"]


def test_the_check_page_for_an_auditor(app, client, paid):
    pdf = client.get(f"/api/v1/receipts/{paid['receipt']}.pdf", headers=bearer(client, "finance")).data
    logged_in(client, "auditor")
    page = client.get("/documents/verify")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    reply = client.post("/documents/verify", data={"file": (io.BytesIO(pdf), "收据.pdf")},
                        content_type="multipart/form-data")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and paid["receipt"] in html and "收据.pdf" in html
    reply = client.post("/documents/verify", data={"file": (io.BytesIO(edited(pdf)), "edited.pdf")},
                        content_type="multipart/form-data")
    assert reply.status_code == 200 and 'class="error"' in reply.get_data(as_text=True)
    # Nothing uploaded is stored: still the one receipt file.
    assert count(app) == 1
    assert client.post("/documents/verify", data={}, content_type="multipart/form-data").status_code == 422


def test_threads_of_one_worker_render_one_at_a_time(app):
    """gthread web workers serve downloads on several threads; WeasyPrint's per-process font state
    is not thread-safe (two threads laying out at once crashed a test process here, intermittently), so layout
    and writing hold core.pdf.RENDER_LOCK: six threads rendering at once all get their PDF."""
    from flask_babel import force_locale

    from pms.core.pdf import render_pdf

    results, errors, barrier = [], [], threading.Barrier(6)

    def render(n):
        try:
            with app.test_request_context(), force_locale("zh_CN"):
                barrier.wait(timeout=10)
                for _ in range(3):
                    results.append(render_pdf("credit_note.html", {"n": {
                        "number": f"ACME-2026-C{n:06d}", "company": "安居物业", "estate": {"code": "YJL", "name": "云景里"},
                        "room": "YJL-3-2-501", "bill": {"number": "ACME-2026-000001", "period": "2026-01",
                                                        "payable_fen": 10386},
                        "lines": [], "amount_fen": 100, "reason": "电梯停运", "business_date": date(2026, 3, 2),
                        "issued_by": "finance", "issued_at": datetime(2026, 3, 2, 2, tzinfo=timezone.utc)}}))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == 18 and all(pdf.startswith(b"%PDF") for pdf in results)
