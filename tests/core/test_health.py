"""/healthz and /readyz: JSON, no authentication, no secrets; the scheduler's heartbeat."""
from datetime import timedelta

import pytest

from jobs.heartbeat import heartbeat
from pms.core import health


@pytest.fixture
def pdf_ready(monkeypatch):
    """Fonts and HarfBuzz as a machine with them has (each is asserted on its own below)."""
    monkeypatch.setattr(health, "_pdf_checks", lambda pdf: (True, True))


def test_healthz_answers_without_a_database_or_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_waits_for_the_schedulers_first_heartbeat(app, client, clock, pdf_ready):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "detail": "at head"}
    assert body["checks"]["scheduler"]["ok"] is False

    heartbeat(app)
    clock.advance(minutes=9, seconds=59)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ok"


def test_a_heartbeat_older_than_ten_minutes_is_not_ready(app, client, clock, pdf_ready):
    heartbeat(app)
    clock.advance(timedelta(minutes=10, seconds=1))
    body = client.get("/readyz").get_json()
    assert body["checks"]["scheduler"] == {"ok": False, "detail": "last heartbeat 601 s ago"}


def test_heartbeat_is_one_row_per_scheduler(app, db, clock):
    from sqlalchemy import func, select

    from pms.core.models import SchedulerHeartbeat

    heartbeat(app)
    clock.advance(minutes=1)
    heartbeat(app)
    assert db.scalar(select(func.count()).select_from(SchedulerHeartbeat)) == 1
    assert db.scalar(select(SchedulerHeartbeat.beat_at)) == clock.value


def test_missing_font_or_harfbuzz_is_not_ready(app, client, monkeypatch):
    heartbeat(app)
    monkeypatch.setattr(health, "_pdf_checks", lambda pdf: (False, True))
    body = client.get("/readyz").get_json()
    assert body["checks"]["cjk_font"]["ok"] is False and body["status"] == "unavailable"
    monkeypatch.setattr(health, "_pdf_checks", lambda pdf: (True, False))
    assert client.get("/readyz").get_json()["checks"]["harfbuzz_subset"]["ok"] is False


def test_this_machine_has_the_pdf_prerequisites_under_ci(app):
    import os

    from pms.core import pdf

    if os.environ.get("CI") != "true" and not pdf.cjk_font_available():
        pytest.skip("no CJK font on this developer machine (CI requires one)")
    assert health._pdf_checks(pdf) == (True, True)


def test_unreachable_database_is_503_without_the_url(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("password=hunter2 host=db.internal"))

    monkeypatch.setattr(health, "unit_of_work", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "db.internal" not in text
    assert response.get_json()["checks"]["database"] == {"ok": False, "detail": "unreachable (OperationalError)"}
