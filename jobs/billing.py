"""Daily billing job: at 01:10 Asia/Shanghai bill every estate whose period is due and not yet
billed (catching up periods a stopped scheduler missed). One transaction per estate; a failed
estate is logged and does not stop the others; a second scheduler process bills nothing twice."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.billing")


def bill_due_estates(app, today=None) -> int:
    """Run billing for every (estate, period) that is due; the number of bills created."""
    from pms.billing.services import runs
    from pms.core import periods
    from pms.core.db import unit_of_work
    from pms.estates.models import Estate

    created = 0
    with app.app_context():
        today = today or periods.today()
        with unit_of_work() as session:
            due = runs.due_runs(session, today)
        for estate_id, period in due:
            try:
                with unit_of_work() as session:
                    result = runs.run_billing(session, session.get(Estate, estate_id), period,
                                              triggered_by="scheduler", today=today)
            except Exception:  # one estate's failure must not stop the others
                log.exception("billing estate=%s period=%s failed", estate_id, period)
                continue
            created += result.bills_created
            log.info("billing estate=%s period=%s bills=%s total_fen=%s", result.estate, period,
                     result.bills_created, result.total_fen)
    return created


JOBS = [Job(id="billing_daily", func=bill_due_estates, cron={"hour": 1, "minute": 10})]
