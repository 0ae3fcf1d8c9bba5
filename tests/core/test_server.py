"""`pms serve`: gunicorn's gthread workers on wsgi:app, graceful reload on HUP, JSON logs."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pms.core.server import default_workers, gunicorn_argv

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def workers_of(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def wait_for(condition, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_command_line_is_gthread_on_wsgi_app():
    argv = gunicorn_argv(host="127.0.0.1", port=5000, workers=3, threads=8)
    assert argv[1:3] == ["-m", "gunicorn"] and argv[-1] == "wsgi:app"
    assert argv[argv.index("--workers") + 1] == "3" and argv[argv.index("--threads") + 1] == "8"
    assert argv[argv.index("--worker-connections") + 1] == "8"
    assert default_workers() >= 2


@pytest.mark.slow
def test_serve_answers_reloads_on_hup_and_stops_on_term(database_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMS_")}
    env.update(PMS_DATABASE_URL=database_url, PMS_INSTANCE_DIR=str(tmp_path))
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen([str(BIN / "pms"), "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for(lambda: get(port, "/healthz")[0] == 200, what="the server")
        status, headers, body = get(port, "/healthz")
        assert json.loads(body) == {"status": "ok"}
        assert headers["Server"] == "pms"  # no product or version banner
        assert len(headers["X-Request-ID"]) == 32

        before = workers_of(server.pid)  # exec'd: pms serve's pid is gunicorn's master
        assert len(before) == 2
        server.send_signal(signal.SIGHUP)
        wait_for(lambda: len(workers_of(server.pid) & before) == 0 and len(workers_of(server.pid)) == 2,
                 what="new workers after HUP")
        assert get(port, "/healthz")[0] == 200
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.strip()]
    requests = [line for line in lines if line.get("logger") == "pms.access"]
    assert requests and all(line["path"] == "/healthz" and line["status"] == 200 for line in requests)
    assert any("hup" in line["message"].lower() for line in lines if line["logger"] == "gunicorn.error")
