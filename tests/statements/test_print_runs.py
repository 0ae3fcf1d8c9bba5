"""Print runs: the engine for receipts and notices (statements: test_print.py), the web's preview →
confirm → queued run → the scheduler's job → progress → download, the API, who may, and a
killed run resumed where it stopped.

Data (business days): YJL building 1 has 1-1-101 (孙八) and 1-2-101 (赵六), building 3 has 3-2-501
and 3-2-502; each billed ¥100.00 for 2026-01 (due 01-15). Receipts: 3-2-502 pays ¥30.00 on 02-10
(receipt 1); 1-2-101 pays ¥100.00 then 1-1-101 pays ¥40.00 on 02-11 (receipts 2 and 3). Today
2026-03-16: 1-1-101 (¥60.00), 3-2-501 (¥100.00) and 3-2-502 (¥70.00) are in arrears.
"""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pms.billing.models import Demand
from pms.billing.services.payments import record_payment
from pms.core.models import AuditEntry
from pms.statements import printing
from pms.statements.models import PrintRun
from tests import factories as f
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.factories import bearer
from tests.statements.conftest import pdf_tools  # noqa: F401  (fixture)
from tests.web import logged_in

FEB = ["--from", "2026-02-01", "--to", "2026-02-28"]


@pytest.fixture
def printable(db, world, clock):
    plan = make_plan(db, world.yjl, late_fee=(5, 3, 10))
    r1_2 = f.make_room(db, world.yjl, "1", "2", "101", owner=("赵六", "", None))
    r1_1 = f.make_room(db, world.yjl, "1", "1", "101", owner=("孙八", "", None))
    for room in (world.r501, world.r502, r1_2, r1_1):
        issue_bill(db, room, "2026-01", 10000, plan=plan)
    issue_bill(db, world.r101, "2026-01", 10000, plan=make_plan(db, world.hxy))
    db.commit()
    for day, room, amount in [(date(2026, 2, 10), "YJL-3-2-502", 3000), (date(2026, 2, 11), "YJL-1-2-101", 10000),
                              (date(2026, 2, 11), "YJL-1-1-101", 4000)]:
        clock.set_today(day)
        record_payment(db, finance(), room_code=room, amount_fen=amount, channel="cash", received_at=at(day))
        db.commit()
    clock.set_today(date(2026, 3, 16))
    return world


def receipt_no(seq: int) -> str:
    return f"ACME-R2026-{seq:06d}"


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text by pypdf (the other reader besides pdftotext)."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def receipts(runner, out, *extra):
    return runner.invoke(args=["receipts", "print", "--estate", "YJL", *FEB, "--out", str(out), "--workers", "1",
                               *extra])


# --- the engine, per kind ---------------------------------------------------------------------

def test_receipts_one_pdf_per_building_room_order_then_number(runner, printable, tmp_path, pdf_tools):  # noqa: F811
    result = receipts(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "2 buildings, 3 documents, written 2, skipped 0" in result.output
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["receipts-YJL-20260201-20260228-1.pdf",
                                                              "receipts-YJL-20260201-20260228-3.pdf"]
    one = (tmp_path / "receipts-YJL-20260201-20260228-1.pdf").read_bytes()
    for pages in (pdf_tools.pages(one), page_texts(one)):
        assert len(pages) == 2
        # Room order first (1-1-101 paid after 1-2-101, so its number is the higher one).
        assert "YJL-1-1-101" in pages[0] and receipt_no(3) in pages[0] and "¥40.00" in pages[0]
        assert "孙*" in pages[0] and "孙八" not in pages[0]  # paper for the mailboxes: names masked
        assert "YJL-1-2-101" in pages[1] and receipt_no(2) in pages[1] and "¥100.00" in pages[1]
    three = pdf_tools.text((tmp_path / "receipts-YJL-20260201-20260228-3.pdf").read_bytes())
    assert "YJL-3-2-502" in three and receipt_no(1) in three and "云景里" in three
    manifest = json.loads((tmp_path / "receipts-YJL-20260201-20260228-1.manifest.json").read_text())
    assert manifest["numbers"] == [receipt_no(3), receipt_no(2)] and manifest["total_fen"] == 14000
    again = receipts(runner, tmp_path)
    assert "2 buildings, 3 documents, written 0, skipped 2" in again.output


def test_receipts_range_and_building(runner, printable, tmp_path):
    only_tenth = runner.invoke(args=["receipts", "print", "--estate", "YJL", "--from", "2026-02-10", "--to",
                                     "2026-02-10", "--out", str(tmp_path), "--workers", "1"])
    assert "1 buildings, 1 documents, written 1" in only_tenth.output
    building = receipts(runner, tmp_path / "b", "--building", "1")
    assert "1 buildings, 2 documents, written 1" in building.output
    none = runner.invoke(args=["receipts", "print", "--estate", "YJL", "--from", "2026-01-01", "--to", "2026-01-31",
                               "--out", str(tmp_path / "c")])
    assert none.exit_code == 1 and "no receipts for estate YJL from 2026-01-01 to 2026-01-31" in none.output


def test_notices_in_two_workers_record_each_buildings_demands(runner, printable, db, tmp_path, pdf_tools):  # noqa: F811
    result = runner.invoke(args=["notices", "print", "--estate", "YJL", "--out", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "2 files written, 3 demands recorded (3 notices" in result.output
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["notices-YJL-1-20260316.pdf", "notices-YJL-3-20260316.pdf"]
    three = pdf_tools.pages((tmp_path / "notices-YJL-3-20260316.pdf").read_bytes())
    assert ["CJ-20260316-YJL-3-2-501" in three[0], "CJ-20260316-YJL-3-2-502" in three[1]] == [True, True]
    fresh(db)
    assert sorted(d.note for d in db.scalars(select(Demand))) == [
        "CJ-20260316-YJL-1-1-101", "CJ-20260316-YJL-3-2-501", "CJ-20260316-YJL-3-2-502"]


# --- from the web: preview, confirm, the job, progress, download ------------------------------

def fresh(db):
    """The test's session (requests in the test share it) forgets what it read: the job committed."""
    db.rollback()
    db.expire_all()


def work(app, workers=1):
    from jobs.print_runs import work_print_runs

    return work_print_runs(app, workers=workers)


def test_preview_confirm_progress_download(app, client, printable, db, pdf_tools):  # noqa: F811
    from flask_babel import refresh

    logged_in(client, "finance")
    # The db fixture's app context serves the requests too and keeps the locale it first chose
    # (the login page's Chinese): forget it, so that ?lang=en decides.
    refresh()
    page = client.get("/statements/print-runs?lang=en&kind=statements&estate=YJL&period=2026-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<dd id="preview-buildings">2 (1 – 3)</dd>' in html and '<dd id="preview-documents">4</dd>' in html
    assert '<dd id="preview-total">¥400.00</dd>' in html and "Start the print run (4 documents)" in html
    confirmed = client.post("/statements/print-runs?lang=en", data={"kind": "statements", "estate": "YJL",
                                                                    "period": "2026-01"})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/statements/print-runs/1")
    fresh(db)
    run = db.scalar(select(PrintRun))
    assert (run.status, run.kind, run.period, run.building, run.buildings_total, run.documents,
            run.requested_by) == ("queued", "statements", "2026-01", None, 2, 4, "finance")
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "print_run.request")).object_id == "1"
    state = client.get("/statements/print-runs/1/state").get_json()
    assert (state["status"], state["percent"], state["files"]) == ("queued", 0, [])
    assert '<progress class="run-progress" id="print-run-progress" max="2" value="0">' in client.get("/statements/print-runs/1").get_data(
        as_text=True)

    assert work(app) == [1]
    fresh(db)
    state = client.get("/statements/print-runs/1/state").get_json()
    assert (state["status"], state["buildings_done"], state["percent"]) == ("done", 2, 100)
    assert state["files"] == ["YJL-2026-01-1.pdf", "YJL-2026-01-3.pdf"]
    html = client.get("/statements/print-runs/1?lang=en").get_data(as_text=True)
    assert 'href="/statements/print-runs/1/files/YJL-2026-01-1.pdf"' in html
    pdf = client.get("/statements/print-runs/1/files/YJL-2026-01-1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = pdf_tools.pages(pdf.data)
    assert ["YJL-1-1-101" in pages[1], "YJL-1-2-101" in pages[2]] == [True, True]  # after the cover page
    assert client.get("/statements/print-runs/1/files/../1/YJL-2026-01-1.pdf").status_code == 404
    assert client.get("/statements/print-runs/1/files/nothing.pdf").status_code == 404
    assert work(app) == []  # nothing left to claim


def test_files_are_deleted_the_configured_days_after_the_run_finished(app, client, printable, db, clock):
    """PMS_PRINT_RUN_KEEP_DAYS after it finished the daily job deletes a run's PDFs; its record,
    page and state stay, saying when; a second expiry finds nothing to do."""
    from datetime import timedelta

    from jobs.print_runs import JOBS, expire_print_runs
    from pms.core.storage import storage

    assert [j.cron for j in JOBS if j.id == "print_run_expiry"] == [{"hour": 4, "minute": 20}]
    logged_in(client, "finance")
    client.post("/statements/print-runs", data={"kind": "statements", "estate": "YJL", "period": "2026-01"})
    assert work(app) == [1]
    fresh(db)
    finished = db.get(PrintRun, 1).finished_at
    assert sorted(storage().keys("print-runs/1/"))  # the PDFs (and their manifests) are there
    keep = app.config["PRINT_RUN_KEEP_DAYS"]
    assert keep == 30
    clock.set(finished + timedelta(days=keep) - timedelta(minutes=1))
    assert expire_print_runs(app) == []  # 30 days less a minute: kept
    clock.set(finished + timedelta(days=keep, minutes=1))
    assert expire_print_runs(app) == [1]
    assert list(storage().keys("print-runs/1/")) == []
    fresh(db)
    assert db.get(PrintRun, 1).files_deleted_at == finished + timedelta(days=keep, minutes=1)
    logged_in(client, "finance")  # a month later: the old session is over
    state = client.get("/statements/print-runs/1/state").get_json()
    assert (state["status"], state["files"], state["files_deleted_at"] is not None) == ("done", [], True)
    html = client.get("/statements/print-runs/1").get_data(as_text=True)
    assert 'id="print-run-files-deleted"' in html and "批次完成 30 天后" in html and "print-run-files\"" not in html
    assert client.get("/statements/print-runs/1/files/YJL-2026-01-1.pdf").status_code == 404
    assert expire_print_runs(app) == []  # done once


def test_previews_of_receipts_and_notices_and_a_refusal(client, printable):
    logged_in(client, "manager")
    html = client.get("/statements/print-runs?lang=en&kind=receipts&estate=YJL&from=2026-02-01&to=2026-02-28"
                      "&building=1").get_data(as_text=True)
    assert '<dd id="preview-documents">2</dd>' in html and '<dd id="preview-total">¥140.00</dd>' in html
    html = client.get("/statements/print-runs?lang=en&kind=notices&estate=YJL").get_data(as_text=True)
    assert '<dd id="preview-documents">3</dd>' in html and '<dd id="preview-total">¥230.00</dd>' in html
    refused = client.get("/statements/print-runs?lang=en&kind=statements&estate=YJL&period=2025-01")
    # Said beside the estate (the requests of a test share one context: the page stays in Chinese).
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'href="#print_run-estate"' in html and "YJL" in html and "2025-01" in html
    missing = client.get("/statements/print-runs?kind=receipts&estate=YJL")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'href="#print_run-from"' in html and 'href="#print_run-to"' in html


def test_a_notices_run_records_the_demands_after_each_building(app, client, printable, db):
    logged_in(client, "finance")
    assert client.post("/statements/print-runs", data={"kind": "notices", "estate": "YJL"}).status_code == 303
    fresh(db)
    assert db.scalar(select(Demand.id)) is None  # requested, not printed: no demand yet
    assert work(app) == [1]
    fresh(db)
    assert len(db.scalars(select(Demand)).all()) == 3
    assert client.get("/statements/print-runs/1/state").get_json()["files"] == [
        "notices-YJL-1-20260316.pdf", "notices-YJL-3-20260316.pdf"]


def test_a_killed_run_resumes_where_it_stopped(app, client, printable, db, clock, monkeypatch):
    logged_in(client, "finance")
    client.post("/statements/print-runs", data={"kind": "statements", "estate": "YJL", "period": "2026-01"})
    real, rendered = printing.render_job, []

    def dies_on_the_second_building(job):
        if rendered:
            raise KeyboardInterrupt  # as the process being killed: nothing records the failure
        rendered.append(job.building)
        return real(job)

    monkeypatch.setattr(printing, "render_job", dies_on_the_second_building)
    with pytest.raises(KeyboardInterrupt):
        work(app)
    fresh(db)
    state = client.get("/statements/print-runs/1/state").get_json()
    assert (state["status"], state["buildings_done"]) == ("running", 1)
    monkeypatch.setattr(printing, "render_job", lambda job: (rendered.append(job.building), real(job))[1])
    assert work(app) == []  # its heartbeat is fresh: someone may still be printing it
    clock.advance(minutes=11)
    assert work(app) == [1]
    fresh(db)
    assert rendered == ["1", "3"]  # building 1 was not printed again
    state = client.get("/statements/print-runs/1/state").get_json()
    assert (state["status"], state["buildings_done"], len(state["files"])) == ("done", 2, 2)


def test_a_run_with_nothing_left_fails_with_the_reason(app, client, printable, db):
    logged_in(client, "finance")
    client.post("/statements/print-runs", data={"kind": "notices", "estate": "YJL", "building": "1"})
    record_payment(db, finance(), room_code="YJL-1-1-101", amount_fen=6000, channel="cash")
    db.commit()
    assert work(app) == [1]
    fresh(db)
    state = client.get("/statements/print-runs/1/state").get_json()
    assert state["status"] == "failed" and state["error"] == "Nothing to print."


# Who may request and follow runs: finance and managers of the estate's company (admin always).
MATRIX = [("admin", 303), ("manager", 303), ("finance", 303), ("other_manager", 404), ("auditor", 403),
          ("tech", 403), ("carer", 403), ("resident", 403)]


@pytest.mark.parametrize(("user", "status"), MATRIX)
def test_who_may_request(client, printable, user, status):
    logged_in(client, user)
    response = client.post("/statements/print-runs", data={"kind": "statements", "estate": "YJL", "period": "2026-01"})
    assert response.status_code == status


# A finished run of YJL: its page, state and files.
FOLLOW = [("admin", 200), ("manager", 200), ("finance", 200), ("other_manager", 404), ("auditor", 403),
          ("tech", 403), ("resident", 404), ("other_auditor", 404)]


@pytest.mark.parametrize(("user", "status"), FOLLOW)
def test_who_may_follow_and_download(app, client, printable, db, user, status):
    logged_in(client, "finance")
    client.post("/statements/print-runs", data={"kind": "statements", "estate": "YJL", "period": "2026-01",
                                                "building": "3"})
    work(app)
    fresh(db)
    client = logged_in(app.test_client(), user)
    for path in ("/statements/print-runs/1", "/statements/print-runs/1/state",
                 "/statements/print-runs/1/files/YJL-2026-01-3.pdf"):
        assert client.get(path).status_code == status, path
    assert client.get("/api/v1/print-runs/1", headers=bearer(client, user)).status_code == status


# --- the API ----------------------------------------------------------------------------------

def test_api_request_follow_download(app, client, printable, db, pdf_tools):  # noqa: F811
    headers = bearer(client, "finance")
    created = client.post("/api/v1/print-runs", json={"kind": "receipts", "estate": "YJL", "from": "2026-02-01",
                                                      "to": "2026-02-28"}, headers=headers)
    assert created.status_code == 202, created.get_json()
    body = created.get_json()
    assert (body["id"], body["status"], body["from"], body["to"], body["documents"]) == (
        1, "queued", "2026-02-01", "2026-02-28", 3)
    work(app)
    fresh(db)
    state = client.get("/api/v1/print-runs/1", headers=headers).get_json()
    assert (state["status"], state["percent"]) == ("done", 100)
    assert state["files"] == ["receipts-YJL-20260201-20260228-1.pdf", "receipts-YJL-20260201-20260228-3.pdf"]
    pdf = client.get(f"/api/v1/print-runs/1/files/{state['files'][1]}", headers=headers)
    assert pdf.mimetype == "application/pdf" and receipt_no(1) in pdf_tools.text(pdf.data)


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "statements", "estate": "YJL"}, "period"),
    ({"kind": "receipts", "estate": "YJL", "from": "2026-02-10", "to": "2026-02-01"}, "to"),
    ({"kind": "leaflets", "estate": "YJL"}, "kind"),
    ({"kind": "statements", "estate": "YJL", "period": "2025-01"}, "estate")])
def test_api_refusals(client, printable, body, field):
    response = client.post("/api/v1/print-runs", json=body, headers=bearer(client, "finance"))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_api_other_company_and_roles(client, printable):
    body = {"kind": "notices", "estate": "YJL"}
    assert client.post("/api/v1/print-runs", json=body, headers=bearer(client, "other_manager")).status_code == 404
    assert client.post("/api/v1/print-runs", json=body, headers=bearer(client, "auditor")).status_code == 403
    assert client.post("/api/v1/print-runs", json=body).status_code == 401
    assert client.get("/api/v1/print-runs/7", headers=bearer(client, "finance")).status_code == 404


def test_workers_are_replaced_after_their_buildings(app, db, printable, tmp_path):
    """Each worker renders two buildings and is replaced (max_tasks_per_child=2), six buildings
    over two workers: every file written, and the run ends (CPython's pool hangs when a worker
    exits with a backlog queued, python/cpython#115634: it did here with all six submitted)."""
    import threading

    from pms.statements import print_plans

    jobs = [job for folder in ("a", "b", "c") for job in print_plans.plan_statements(
        db, "YJL", "2026-01", printing.Sink(directory=str(tmp_path / folder)))]
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
    outcome = {}

    def run():
        with app.app_context():
            outcome["result"] = printing.run_print(jobs, app_config=printing.worker_config(app), workers=2,
                                                   tasks_per_worker=2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the print run hung"
    assert (outcome["result"].written, len(list(tmp_path.glob("*/*.pdf")))) == (6, 6)
