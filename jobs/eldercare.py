"""Elder-care jobs: the coming 7 days' visits from care plans (daily), and the missed-check-in
sweep with the escalation of unacknowledged alerts (every 5 minutes). Both are idempotent (UNIQUE
visits per elder, day and slot; one alert per visit and kind; escalated once by a conditional UPDATE)."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.eldercare")


def generate_visits(app) -> None:
    """Create the visits of the coming 7 days from the care plans and daily check-ins."""
    from pms.core.db import unit_of_work
    from pms.eldercare.services import plans

    with app.app_context(), unit_of_work() as session:
        count = plans.generate_visits(session)
    log.info("eldercare.generate_visits: %d new visit(s)", count)


def sweep_missed(app) -> None:
    """Alert managers about planned visits not checked in by the end of their window plus grace,
    and escalate (once) the alerts nobody acknowledged within the company's escalation period."""
    from pms.core.db import unit_of_work
    from pms.eldercare.services import alerts

    with app.app_context(), unit_of_work() as session:
        count = alerts.sweep_missed(session)
        escalated = alerts.escalate_overdue(session)
    log.info("eldercare.sweep_missed: %d new alert(s), %d escalated", count, escalated)


JOBS = [
    # Shortly after midnight, and again at noon so a plan added in the morning gets its week.
    Job(id="eldercare.generate_visits", func=generate_visits, cron={"hour": "0,12", "minute": 20}),
    Job(id="eldercare.sweep_missed", func=sweep_missed, cron={"minute": "*/5"}),
]
