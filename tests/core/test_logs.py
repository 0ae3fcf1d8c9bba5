"""One JSON line per request and per job run; the request id in every response; security headers."""
import json
import logging

import pytest

from pms.core.logs import JsonFormatter


def access_lines(caplog):
    return [r for r in caplog.records if r.name == "pms.access"]


def test_one_line_per_request_with_its_id_and_no_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger="pms.access")
    response = client.get("/api/v1/rooms?q=13912345678", headers={"X-Request-ID": "nginx-req-0001"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "nginx-req-0001"
    [record] = access_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("request_id", "user_id", "method", "path", "status")} == {
        "request_id": "nginx-req-0001", "user_id": None, "method": "GET", "path": "/api/v1/rooms", "status": 401}
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")
    assert "13912345678" not in JsonFormatter().format(record)


def test_the_logged_in_user_is_named_by_id(app, client, world, caplog):
    caplog.set_level(logging.INFO, logger="pms.access")
    from tests.factories import bearer

    headers = bearer(client, "manager")
    caplog.clear()
    client.get("/api/v1/estates", headers=headers)
    [record] = access_lines(caplog)
    assert record.user_id == world.users["manager"].id and record.status == 200


@pytest.mark.parametrize("incoming", ["", "short", "a" * 65, "bad id with spaces", "<script>alert(1)</script>"])
def test_a_missing_or_odd_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming} if incoming else {})
    rid = response.headers["X-Request-ID"]
    assert rid != incoming and len(rid) == 32 and int(rid, 16) >= 0


def test_errors_carry_the_request_id_too(client):
    response = client.post("/api/v1/payments", json={})
    assert response.status_code in (401, 422)
    assert response.get_json()["error"]["code"]
    assert len(response.headers["X-Request-ID"]) == 32
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["X-Request-ID"]


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/login", "/api/v1/estates", "/no-such-page", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script and "unsafe-eval" not in script
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # not in development/testing


def test_hsts_in_production(app, client):
    app.config["PMS_ENV"] = "production"
    assert client.get("/healthz").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_version_banner_from_the_development_server(client):
    response = client.get("/healthz", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.9"})
    assert response.headers["Server"] == "pms"


def test_pages_have_no_inline_script():
    """The CSP forbids inline script: no template may carry one (or an on* handler)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{path.relative_to(root)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(root)}: on* handler")
    assert offenders == []


def test_each_job_run_logs_one_line(app, caplog):
    from jobs.scheduler import Job, logged

    caplog.set_level(logging.INFO, logger="pms.jobs")
    calls = []
    logged(Job(id="t_ok", func=lambda a: calls.append(a)))(app)
    with pytest.raises(RuntimeError):
        logged(Job(id="t_fail", func=lambda a: (_ for _ in ()).throw(RuntimeError("x"))))(app)
    runs = [(r.job, r.outcome) for r in caplog.records if getattr(r, "job", None)]
    assert runs == [("t_ok", "ok"), ("t_fail", "failed")] and calls == [app]


def test_the_log_audit_finds_what_must_never_be_logged():
    from tests.log_audit import secrets_in

    assert secrets_in('{"message": "owner 13912345678"}', ()) == ["phone 139…"]
    assert secrets_in('{"message": "id 11010519491231002X"}', ()) == ["ID number 110105…"]
    assert secrets_in('{"message": "login correct-horse-9"}', ("correct-horse-9",)) == ["password co…"]
    # Hex request ids, timestamps and durations are not phones.
    assert secrets_in('{"request_id": "a13912345678b0c", "time": "2026-12-01T03:32:07.189+00:00",'
                      ' "duration_ms": 13912.5}', ()) == []
