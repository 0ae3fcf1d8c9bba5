"""Maintenance jobs: SLA-breach alerts, preventive work orders ahead of time, overdue flags.

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


JOBS = [
    Job(id="maintenance.check_sla", func=check_sla, cron={"minute": "*/5"}),
    Job(id="maintenance.generate_work_orders", func=generate_work_orders, cron={"hour": 2, "minute": 10}),
    Job(id="maintenance.flag_overdue", func=flag_overdue, cron={"hour": 0, "minute": 15}),
]
