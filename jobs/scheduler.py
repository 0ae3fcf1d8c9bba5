"""The one scheduler process: APScheduler's BlockingScheduler in Asia/Shanghai.

Each module in this package may define `JOBS`: a list of `Job`s. Bodies stay thin: they open an
app context, call one service, commit and log. Never start this inside a web worker.
"""
from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
import time
from dataclasses import dataclass, field
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger("pms.jobs")


@dataclass(frozen=True)
class Job:
    """A scheduled job: a stable id, a cron spec and a body taking the Flask app."""

    id: str
    func: Callable
    cron: dict = field(default_factory=dict)


def all_jobs() -> list[Job]:
    """Every `Job` declared by the modules of this package."""
    import jobs

    found: list[Job] = []
    for info in sorted(pkgutil.iter_modules(jobs.__path__), key=lambda m: m.name):
        if info.name == "scheduler":
            continue
        module = importlib.import_module(f"jobs.{info.name}")
        found.extend(getattr(module, "JOBS", []))
    ids = [job.id for job in found]
    if len(ids) != len(set(ids)):
        raise RuntimeError(f"duplicate job ids: {ids}")
    return found


def logged(job: Job) -> Callable:
    """The job's body, logging one JSON line per run (outcome and duration)."""
    from pms.core.logs import job_run

    @functools.wraps(job.func)
    def run(app, *args, **kwargs):
        started = time.perf_counter()
        try:
            result = job.func(app, *args, **kwargs)
        except Exception:
            log.exception("job %s failed", job.id)
            job_run(job.id, "failed", started)
            raise
        job_run(job.id, "ok", started)
        return result

    return run


def build_scheduler(app) -> BlockingScheduler:
    """A scheduler with every job registered under its explicit id."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    for job in all_jobs():
        scheduler.add_job(
            logged(job), CronTrigger(timezone=app.config["TIMEZONE"], **job.cron), args=[app],
            id=job.id, name=job.id, replace_existing=True, coalesce=True,
            misfire_grace_time=6 * 3600, max_instances=1,
        )
    return scheduler


def run_forever(app) -> None:
    """Wait to be the one active scheduler (jobs/leader.py), then run the jobs until interrupted."""
    import os

    from jobs import leader
    from jobs.heartbeat import heartbeat

    try:
        leadership = leader.wait_to_lead(app)
    except KeyboardInterrupt:
        return
    # Losing the lock's connection ends the process at once: another scheduler may be leading.
    leader.watch(leadership, lambda: os._exit(3))
    scheduler = build_scheduler(app)
    heartbeat(app)  # ready at once, not a minute from now
    names = ", ".join(job.id for job in scheduler.get_jobs()) or "none yet"
    log.info("scheduler started (%s); jobs: %s", app.config["TIMEZONE"], names)
    print(f"pms scheduler: timezone {app.config['TIMEZONE']}, jobs: {names}", flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leadership.release()
