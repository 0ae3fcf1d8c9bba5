"""Health: `/healthz` (the process answers) and `/readyz` (it can do its work), and the
scheduler's heartbeat that `/readyz` reads."""
from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from flask import Blueprint, current_app
from sqlalchemy import select, text

from pms.core.db import dialect_insert, unit_of_work, utcnow
from pms.core.models import SchedulerHeartbeat

bp = Blueprint("health", __name__)

HEARTBEAT_MAX_AGE = timedelta(minutes=10)
SCHEDULER = "scheduler"


def beat(session, name: str = SCHEDULER) -> None:
    """Record that the scheduler is alive now (an upsert of its one row)."""
    values = dict(name=name, beat_at=utcnow(), host=socket.gethostname()[:64], pid=os.getpid())
    stmt = dialect_insert(session, SchedulerHeartbeat.__table__).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


def readiness() -> tuple[bool, dict[str, dict]]:
    """Every readiness check by name: {"ok": bool, "detail": str}. Never a secret or a path."""
    from pms.core import migrate, pdf

    checks: dict[str, dict] = {}
    try:
        with unit_of_work(write=False) as session:
            session.execute(text("SELECT 1"))
            checks["database"] = {"ok": True, "detail": session.get_bind().dialect.name}
            at_head = migrate.current_revisions(session.connection()) == migrate.head_revisions()
            checks["migrations"] = {"ok": at_head,
                                    "detail": "at head" if at_head else "not at head: run `pms db upgrade`"}
            checks["scheduler"] = _scheduler_check(session) if at_head else {
                "ok": False, "detail": "unknown until the migrations are at head"}
    except Exception as exc:  # the database is down or refuses: say which kind, not its message
        current_app.logger.warning("readiness: database check failed: %s", type(exc).__name__)
        checks["database"] = {"ok": False, "detail": f"unreachable ({type(exc).__name__})"}
    font, harfbuzz = _pdf_checks(pdf)
    checks["cjk_font"] = {"ok": font, "detail": "fc-list :lang=zh"}
    checks["harfbuzz_subset"] = {"ok": harfbuzz, "detail": "libharfbuzz-subset0"}
    return all(check["ok"] for check in checks.values()), checks


def _scheduler_check(session) -> dict:
    """Whether the scheduler's heartbeat is fresher than HEARTBEAT_MAX_AGE."""
    last = session.scalar(select(SchedulerHeartbeat.beat_at).where(SchedulerHeartbeat.name == SCHEDULER))
    if last is None:
        return {"ok": False, "detail": "no heartbeat yet: is `pms scheduler` running?"}
    age = utcnow() - last
    return {"ok": age <= HEARTBEAT_MAX_AGE, "detail": f"last heartbeat {int(age.total_seconds())} s ago"}


def _pdf_checks(pdf) -> tuple[bool, bool]:
    """Font and HarfBuzz presence, asked once per process every 5 minutes (fc-list takes ~50 ms)."""
    global _pdf_checked
    now = time.monotonic()
    if _pdf_checked is None or now - _pdf_checked[0] > 300:
        _pdf_checked = (now, (pdf.cjk_font_available(), pdf.harfbuzz_subset_available()))
    return _pdf_checked[1]


_pdf_checked: tuple[float, tuple[bool, bool]] | None = None


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (no database, no authentication)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: database, migrations, fonts and the scheduler's heartbeat; 503 when one fails."""
    ok, checks = readiness()
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503
