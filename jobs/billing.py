"""Daily billing job: at 01:10 Asia/Shanghai bill every estate whose period is due and not yet
billed (catching up periods a stopped scheduler missed). One transaction per batch of estates of a
period; a failed estate is logged and does not stop the others; a second scheduler process bills
nothing twice."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.billing")


def bill_due_estates(app, today=None) -> int:
    """Run billing for every (estate, period) that is due; the number of bills created."""
    from itertools import groupby

    from sqlalchemy import select

    from pms.billing.services import runs
    from pms.core import clock
    from pms.core.db import unit_of_work
    from pms.core.estate_loop import for_each_batch
    from pms.estates.models import Estate
    from pms.estates.services import estate_batches

    def bill(session, due: list[tuple[int, str]]) -> list[int]:
        period = due[0][1]  # a batch is of one period
        by_id = {e.id: e for e in session.scalars(select(Estate).where(Estate.id.in_([e for e, _p in due])))}
        estates = [by_id[estate_id] for estate_id, _p in due]  # results come in this order
        results = runs.run_billing_batch(session, estates, period, triggered_by="scheduler", today=today)
        for result in results:
            log.info("billing estate=%s period=%s bills=%s total_fen=%s", result.estate, period,
                     result.bills_created, result.total_fen)
        return [result.bills_created for result in results]

    with app.app_context():
        today = today or clock.today()
        with unit_of_work() as session:
            due = runs.due_runs(session, today)  # oldest period first
            batches = []
            for period, pairs in groupby(due, key=lambda pair: pair[1]):
                ids = [estate_id for estate_id, _p in pairs]
                batches += [[(estate_id, period) for estate_id in batch]
                            for batch in estate_batches(session, ids)]
        loop = for_each_batch(batches, bill, what="billing", log=log)
    return sum(created for _due, created in loop.results)


def refresh_collection(app) -> int:
    """Recompute the homes' snapshots: collection of the last 12 months, what open bills owe; rows written."""
    from pms.billing.services.overview import refresh_snapshots
    from pms.core.db import unit_of_work

    with app.app_context(), unit_of_work() as session:
        months, owed = refresh_snapshots(session)
    log.info("collection snapshot refreshed: %d estate months, %d owed rows", months, owed)
    return months + owed


JOBS = [Job(id="billing_daily", func=bill_due_estates, cron={"hour": 1, "minute": 10}),
        # Payments and credit notes change what is still owed all day: the homes read it as of
        # this refresh (at most five minutes old) instead of scanning every open bill per view.
        Job(id="collection_snapshot", func=refresh_collection, cron={"minute": "*/5"})]
