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
    from pms.core import clock
    from pms.core.db import unit_of_work
    from pms.core.estate_loop import for_each_estate
    from pms.estates.models import Estate

    def bill(session, due) -> int:
        estate_id, period = due
        result = runs.run_billing(session, session.get(Estate, estate_id), period,
                                  triggered_by="scheduler", today=today)
        log.info("billing estate=%s period=%s bills=%s total_fen=%s", result.estate, period,
                 result.bills_created, result.total_fen)
        return result.bills_created

    with app.app_context():
        today = today or clock.today()
        with unit_of_work() as session:
            due = runs.due_runs(session, today)
        loop = for_each_estate(due, bill, what="billing", log=log)
    return sum(created for _due, created in loop.results)


JOBS = [Job(id="billing_daily", func=bill_due_estates, cron={"hour": 1, "minute": 10})]
