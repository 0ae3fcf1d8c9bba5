"""Maintenance jobs: SLA-breach alerts, preventive work orders ahead of time, overdue flags, the
homes' elevator counts.

Each body opens an app context and one unit of work, calls one service, logs. All three are
idempotent (UNIQUE constraints on alerts and on (plan, due date); flags are set once).
"""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.maintenance")


def check_sla(app) -> None:
    """Alert managers about breached response/resolution deadlines."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import alerts

    with app.app_context(), unit_of_work() as session:
        count = alerts.check_sla(session)
    log.info("maintenance.check_sla: %d new alert(s)", count)


def generate_work_orders(app) -> None:
    """Create preventive work orders falling due within the horizon."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import equipment

    with app.app_context(), unit_of_work() as session:
        count = equipment.generate_work_orders(session)
    log.info("maintenance.generate_work_orders: %d new work order(s)", count)


def flag_overdue(app) -> None:
    """Flag open work orders whose due date has passed."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import equipment

    with app.app_context(), unit_of_work() as session:
        count = equipment.flag_overdue(session)
    log.info("maintenance.flag_overdue: %d work order(s) flagged", count)


def refresh_elevator_snapshot(app) -> int:
    """Recompute every estate's elevator counts for the homes; estates written."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import overview

    with app.app_context(), unit_of_work() as session:
        count = overview.refresh_elevator_snapshot(session)
    log.info("maintenance.elevator_snapshot: %d estate(s)", count)
    return count


JOBS = [
    Job(id="maintenance.check_sla", func=check_sla, cron={"minute": "*/5"}),
    Job(id="maintenance.generate_work_orders", func=generate_work_orders, cron={"hour": 2, "minute": 10}),
    Job(id="maintenance.flag_overdue", func=flag_overdue, cron={"hour": 0, "minute": 15}),
    # New orders, a lapse at midnight: the homes read the counts as of this refresh.
    Job(id="maintenance.elevator_snapshot", func=refresh_elevator_snapshot, cron={"minute": "*/5"}),
]
