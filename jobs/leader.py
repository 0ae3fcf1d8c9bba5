"""One active scheduler across machines: leadership is a lock held for the life of the process.

On PostgreSQL a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own:
a second `pms scheduler` on another machine waits, retrying, until the first one stops or loses
its connection (the server releases the lock the moment the session ends), then takes over. A
watchdog checks the connection; if it breaks, the lock may already belong to another process, so
this one exits at once rather than run a job twice (the service manager restarts it as a waiter).
On SQLite (one machine by construction) an exclusive `flock` on a file beside the database.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("pms.jobs")

# The advisory lock's key: any constant no other feature uses (pms.core.audit uses 770101).
LEADER_LOCK_KEY = 770201
RETRY_SECONDS = 5.0
WATCH_SECONDS = 10.0


class Leadership:
    """The held lock; `release()` gives it up."""

    def __init__(self, release: Callable[[], None], check: Callable[[], None]):
        self._release, self.check = release, check

    def release(self) -> None:
        self._release()


def _postgres_attempt(url: str) -> Optional[Leadership]:
    engine = create_engine(url, poolclass=NullPool)  # closing the connection ends the session
    connection = engine.connect()
    try:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}).scalar()
        connection.commit()  # leave no transaction open; the session-level lock stays held
    except Exception:
        connection.close()
        engine.dispose()
        raise
    if not got:
        connection.close()
        engine.dispose()
        return None

    def check() -> None:
        connection.execute(text("SELECT 1")).scalar()
        connection.commit()

    def release() -> None:
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
            connection.commit()
        finally:
            connection.close()
            engine.dispose()

    return Leadership(release, check)


def _file_attempt(path: Path) -> Optional[Leadership]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return Leadership(release, lambda: None)


def try_lead(app) -> Optional[Leadership]:
    """The scheduler's lock if it is free now, else None."""
    url = app.config["DATABASE_URL"]
    if url.startswith("postgresql"):
        return _postgres_attempt(url)
    return _file_attempt(Path(app.config["INSTANCE_DIR"]) / "scheduler.lock")


def wait_to_lead(app, *, retry_seconds: float = RETRY_SECONDS,
                 stop: Optional[threading.Event] = None) -> Optional[Leadership]:
    """Block until this process holds the lock (None if `stop` is set first)."""
    announced = False
    while stop is None or not stop.is_set():
        leadership = try_lead(app)
        if leadership is not None:
            return leadership
        if not announced:
            log.info("another scheduler is active; waiting to take over")
            print("pms scheduler: another scheduler is active; waiting to take over", flush=True)
            announced = True
        time.sleep(retry_seconds)
    return None


def watch(leadership: Leadership, on_lost: Callable[[], None], *, every: float = WATCH_SECONDS) -> threading.Thread:
    """A daemon thread that calls `on_lost` when the lock's connection stops answering."""

    def run() -> None:
        while True:
            time.sleep(every)
            try:
                leadership.check()
            except Exception:  # any failure: the server may have released the lock
                log.error("scheduler lost its database connection; stopping so no job runs twice")
                on_lost()
                return

    thread = threading.Thread(target=run, name="scheduler-leader-watch", daemon=True)
    thread.start()
    return thread
