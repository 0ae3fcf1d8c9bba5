"""Print runs from the web: preview, request (a queued `print_run` row), the scheduler's work.

The web only records the request: rendering a whole estate takes minutes and web workers never
run jobs. The scheduler process (`jobs/print_runs.py`, every 5 s) or `pms print-runs work` claims
a queued run with a conditional UPDATE (queued → running; only one claimant's UPDATE changes the
row, on SQLite under its write lock, on PostgreSQL by re-checking the row after the lock), plans
it, and renders it with the print engine into storage under `print-runs/<id>/`, updating
`buildings_done` and `heartbeat_at` as each building is written. A run whose heartbeat is older
than `STALE` (its process was killed) is claimed again and resumes: the buildings already in
storage with a matching manifest are skipped.

Notices are dated the day the run works (their numbers carry the day); their demands are recorded
after each building's PDF is stored, in the same transaction as the progress.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional

from sqlalchemy import func, or_, select, update

from pms.core import audit
from pms.core.auth import Principal, get_in_scope, system_principal
from pms.core.codes import natural_key
from pms.core.db import unit_of_work, utcnow
from pms.core.errors import Invalid, NotFound
from pms.core.i18n import translate as _
from pms.estates.models import Estate
from pms.statements import permissions, print_plans, printing
from pms.statements.models import PrintRun

log = logging.getLogger("pms.print_runs")

PREFIX = "print-runs"
STALE = timedelta(minutes=10)  # a running run without a heartbeat this long is resumed


@dataclass
class Preview:
    """What a print run would print: the confirmation step shows it."""

    kind: str
    estate_code: str
    estate_name: str
    building: Optional[str]
    period: Optional[str]
    date_from: Optional[date]
    date_to: Optional[date]
    buildings: list[str]
    documents: int
    total_fen: int

    @property
    def first_building(self) -> str:
        return self.buildings[0] if self.buildings else ""

    @property
    def last_building(self) -> str:
        return self.buildings[-1] if self.buildings else ""


def sink_of(run_id: int) -> printing.Sink:
    """Where a run's files go: the shared storage under `print-runs/<id>/`."""
    return printing.Sink(prefix=f"{PREFIX}/{run_id}")


def _plan(session, principal: Principal, kind: str, estate_code: str, *, period=None, date_from=None,
          date_to=None, building=None, sink: printing.Sink) -> list[printing.BuildingJob]:
    """The kind's building jobs."""
    if kind == "statements":
        return print_plans.plan_statements(session, estate_code, period, sink, building=building)
    if kind == "receipts":
        return print_plans.plan_receipts(session, estate_code, date_from, date_to, sink, building=building)
    return print_plans.plan_notices(session, principal, estate_code, sink, building=building)


def ensure_may_request(principal: Principal) -> None:
    """403 unless finance or manager (admin always may)."""
    permissions.ensure(principal, "print_run.request")


def recent_runs(session, principal: Principal, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs of the estates in the caller's scope, newest first."""
    from pms.core.auth import scoped

    rows = session.execute(scoped(select(PrintRun, Estate.code, Estate.name)
                                  .join(Estate, Estate.id == PrintRun.estate_id), PrintRun, principal)
                           .order_by(PrintRun.id.desc()).limit(limit)).all()
    return [{**run_state(run, with_files=False), "estate_code": code, "estate_name": name} for run, code, name in rows]


def estate_of(session, run: PrintRun) -> dict[str, str]:
    """The run's estate as its page shows it."""
    estate = session.get(Estate, run.estate_id)
    return {"code": estate.code, "name": estate.name}


def get_estate(session, principal: Principal, code: str) -> Estate:
    """The estate of a print run: 404 outside scope, 403 unless finance or manager."""
    estate = get_in_scope(session, Estate, Estate.code == code, principal=principal)
    permissions.ensure(principal, "print_run.request")
    return estate


def preview(session, principal: Principal, args: dict[str, Any]) -> Preview:
    """How many buildings and documents the run prints and what they add up to (422: nothing)."""
    estate = get_estate(session, principal, args["estate"])
    try:
        jobs = _plan(session, principal, args["kind"], estate.code, period=args.get("period"),
                     date_from=args.get("date_from"), date_to=args.get("date_to"),
                     building=args.get("building"), sink=printing.Sink(prefix=f"{PREFIX}/preview"))
    except NotFound as err:  # the estate is in scope: "nothing there" is the answer, not a 404
        raise Invalid(_("Nothing to print."), fields={"building" if args.get("building") else "estate": [err.message]})
    if not jobs:
        raise Invalid(_("Nothing to print."), fields={"building" if args.get("building") else "estate": [
            _("Nobody in %(place)s owes anything overdue: there is no notice to print.",
              place=f"{estate.code}-{args['building']}" if args.get("building") else estate.code)]})
    return Preview(kind=args["kind"], estate_code=estate.code, estate_name=estate.name, building=args.get("building"),
                   period=args.get("period"), date_from=args.get("date_from"), date_to=args.get("date_to"),
                   buildings=[j.building for j in jobs], documents=sum(j.documents for j in jobs),
                   total_fen=sum(j.total_fen for j in jobs))


def request_run(session, principal: Principal, args: dict[str, Any]) -> PrintRun:
    """Queue a print run after the same checks as its preview (flush only); audit-logged."""
    found = preview(session, principal, args)
    estate = session.scalar(select(Estate).where(Estate.code == found.estate_code))
    run = PrintRun(company_id=estate.company_id, estate_id=estate.id, kind=found.kind, period=found.period,
                   date_from=found.date_from, date_to=found.date_to, building=found.building, status="queued",
                   buildings_total=len(found.buildings), documents=found.documents,
                   requested_by=principal.username)
    session.add(run)
    session.flush()
    audit.record(session, actor=principal.username, action="print_run.request", object_type="print_run",
                 object_id=run.id, estate_id=estate.id,
                 payload={"kind": run.kind, "period": run.period, "from": _iso(run.date_from), "to": _iso(run.date_to),
                          "building": run.building, "buildings": run.buildings_total, "documents": run.documents})
    return run


def _iso(day: Optional[date]) -> Optional[str]:
    """A day for the audit payload (JSON)."""
    return day.isoformat() if day else None


def get_run(session, principal: Principal, run_id: int) -> PrintRun:
    """A print run in the caller's scope (404: another company's), for finance and managers (403)."""
    run = get_in_scope(session, PrintRun, PrintRun.id == run_id, principal=principal)
    permissions.ensure(principal, "print_run.request")
    return run


def run_files(run: PrintRun) -> list[str]:
    """The PDFs a run has stored so far, in building order."""
    from pms.core.storage import storage

    prefix = f"{PREFIX}/{run.id}/"
    names = [key[len(prefix):] for key in storage().keys(prefix) if key.endswith(".pdf")]
    return sorted(names, key=natural_key)


def read_file(run: PrintRun, name: str) -> bytes:
    """One of the run's PDFs (404: not one of its files)."""
    from pms.core.storage import storage

    if name not in run_files(run):
        raise NotFound("file not found")
    return storage().get(f"{PREFIX}/{run.id}/{name}")


def run_state(run: PrintRun, *, with_files: bool = True) -> dict[str, Any]:
    """The run as the API and the progress page's poll show it."""
    percent = 100 if run.status == "done" else (
        int(run.buildings_done * 100 / run.buildings_total) if run.buildings_total else 0)
    return {"id": run.id, "kind": run.kind, "status": run.status, "period": run.period,
            "date_from": run.date_from, "date_to": run.date_to, "building": run.building,
            "buildings_total": run.buildings_total, "buildings_done": run.buildings_done,
            "documents": run.documents, "percent": percent, "error": run.error or None,
            "created_at": run.created_at, "started_at": run.started_at, "finished_at": run.finished_at,
            "files": run_files(run) if with_files and run.status == "done" and not run.files_deleted_at else [],
            "files_deleted_at": run.files_deleted_at, "requested_by": run.requested_by}


def expire_files(session, *, keep_days: int, now=None) -> list[int]:
    """Delete the PDFs of runs finished more than `keep_days` ago from storage and mark each run;
    the ids expired. Files first, then the mark: a crash between leaves the run to be expired
    again, which finds nothing left to delete (idempotent). keep_days 0: nothing expires."""
    from pms.core.storage import storage

    if keep_days <= 0:
        return []
    now = now or utcnow()
    ids = list(session.scalars(select(PrintRun.id).where(
        PrintRun.status.in_(("done", "failed")), PrintRun.files_deleted_at.is_(None),
        PrintRun.finished_at < now - timedelta(days=keep_days)).order_by(PrintRun.id)))
    store = storage()
    for run_id in ids:
        for key in list(store.keys(f"{PREFIX}/{run_id}/")):
            store.delete(key)
    if ids:
        session.execute(update(PrintRun).where(PrintRun.id.in_(ids)).values(files_deleted_at=now)
                        .execution_options(synchronize_session=False))
    return ids


# --- the scheduler's side ------------------------------------------------------------------

def _claimable(now):
    """Queued, or running without a heartbeat for STALE (its process died)."""
    return or_(PrintRun.status == "queued",
               (PrintRun.status == "running") & (PrintRun.heartbeat_at < now - STALE))


def claim_next(session) -> Optional[int]:
    """Take the oldest queued (or stalled) run: a conditional UPDATE only one claimant wins."""
    now = utcnow()
    for run_id in session.scalars(select(PrintRun.id).where(_claimable(now)).order_by(PrintRun.id).limit(20)):
        claimed = session.execute(
            update(PrintRun).where(PrintRun.id == run_id, _claimable(now))
            .values(status="running", heartbeat_at=now, started_at=func.coalesce(PrintRun.started_at, now), error="")
            .execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            return run_id
    return None


def work_run(app, run_id: int, *, workers: int = 2) -> None:
    """Print a claimed run into storage, recording progress per building; a refusal or an error
    marks it failed, an interruption (the process killed) leaves it to be resumed."""
    principal = system_principal()
    try:
        with unit_of_work() as session:
            run = session.get(PrintRun, run_id)
            estate_code = session.get(Estate, run.estate_id).code
            jobs = _plan(session, principal, run.kind, estate_code, period=run.period, date_from=run.date_from,
                         date_to=run.date_to, building=run.building, sink=sink_of(run_id))
            if not jobs:
                raise Invalid(_("Nothing to print."))
            session.execute(update(PrintRun).where(PrintRun.id == run_id).values(
                buildings_total=len(jobs), buildings_done=0, documents=sum(j.documents for j in jobs),
                heartbeat_at=utcnow()))
        done = 0

        def progress(job: printing.BuildingJob, _written: bool) -> None:
            nonlocal done
            done += 1
            with unit_of_work() as session:
                print_plans.record_building(session, principal, job)
                session.execute(update(PrintRun).where(PrintRun.id == run_id)
                                .values(buildings_done=done, heartbeat_at=utcnow()))

        printing.run_print(jobs, app_config=printing.worker_config(app), workers=workers, on_done=progress)
    except Exception as err:  # noqa: BLE001 — recorded on the run for the person who asked
        log.exception("print run %s failed", run_id)
        message = getattr(err, "message", None) or str(err) or type(err).__name__
        with unit_of_work() as session:
            session.execute(update(PrintRun).where(PrintRun.id == run_id).values(
                status="failed", error=str(message)[:500], finished_at=utcnow()))
        return
    with unit_of_work() as session:
        session.execute(update(PrintRun).where(PrintRun.id == run_id).values(
            status="done", finished_at=utcnow(), heartbeat_at=utcnow()))


def work_queued(app, *, workers: int = 2) -> list[int]:
    """Claim and print runs until none is waiting; the ids worked."""
    worked = []
    with app.app_context():
        while True:
            with unit_of_work() as session:
                run_id = claim_next(session)
            if run_id is None:
                return worked
            log.info("print run %s claimed", run_id)
            work_run(app, run_id, workers=workers)
            worked.append(run_id)
