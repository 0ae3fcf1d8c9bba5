"""One active scheduler: two `pms scheduler` processes on one database, one runs the jobs and the
other waits; when the first stops, the second takes over (PostgreSQL: a session advisory lock;
SQLite: a file lock beside the instance)."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs import leader

STARTED = "pms scheduler: timezone"
WAITING = "another scheduler is active"


def test_the_lock_is_held_by_one_at_a_time(app):
    first = leader.try_lead(app)
    assert first is not None
    try:
        assert leader.try_lead(app) is None  # another session (or open file) is refused
        first.check()
    finally:
        first.release()
    second = leader.try_lead(app)
    assert second is not None
    second.release()


def test_waiting_stops_when_asked(app):
    import threading

    held = leader.try_lead(app)
    try:
        stop = threading.Event()
        stop.set()
        assert leader.wait_to_lead(app, retry_seconds=0.01, stop=stop) is None
    finally:
        held.release()


def _start(database_url: str, instance: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMS_")}
    env.update(PMS_DATABASE_URL=database_url, PMS_INSTANCE_DIR=str(instance), PYTHONUNBUFFERED="1",
               PMS_LOG_LEVEL="WARNING")
    return subprocess.Popen([str(Path(sys.executable).parent / "pms"), "scheduler"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_for(process: subprocess.Popen, needle: str, seconds: float = 60) -> str:
    seen, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            seen += line
            if needle in line:
                return seen
        if process.poll() is not None and not ready:
            break
    raise AssertionError(f"{needle!r} not seen; output so far:\n{seen}")


def test_two_scheduler_processes_one_runs(app, database_url, tmp_path):
    instance = tmp_path / "instance"
    first = _start(database_url, instance)
    second = None
    try:
        _wait_for(first, STARTED)
        second = _start(database_url, instance)
        _wait_for(second, WAITING)
        assert second.poll() is None
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=30)
        # The lock is released with the first process: the second takes over (it retries every 5 s).
        _wait_for(second, STARTED, seconds=60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
