"""The scheduler's heartbeat: a row touched every minute, so `/readyz` can tell it is alive."""
from __future__ import annotations

from jobs.scheduler import Job
from pms.core.db import unit_of_work
from pms.core.health import beat


def heartbeat(app) -> None:
    """Record that the scheduler is alive."""
    with app.app_context(), unit_of_work() as session:
        beat(session)


JOBS = [Job(id="scheduler_heartbeat", func=heartbeat, cron={"minute": "*"})]
