"""Daily late-charge job: at 02:10 Asia/Shanghai accrue yesterday's late charges of every estate,
catching up any day a stopped scheduler missed (one transaction per batch of estates; a failed
estate is logged and the others still run; idempotent)."""
from __future__ import annotations

import logging
from datetime import timedelta

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.late_fees")


def accrue_late_fees_job(app, through=None) -> int:
    """Accrue late charges through yesterday (or `through`) for each estate; fen accrued."""
    from pms.billing.services import late_fees
    from pms.core import clock
    from pms.core.db import unit_of_work
    from pms.core.estate_loop import for_each_batch
    from pms.estates.services import estate_batches

    def accrue(session, estate_ids) -> list[int]:
        out = []
        for estate_id, results in zip(estate_ids, late_fees.catch_up_late_fees_batch(session, estate_ids, through)):
            fen = sum(r.total_fen for r in results)
            log.info("late fees estate=%s days=%s accruals=%s fen=%s", estate_id, len(results),
                     sum(r.accruals for r in results), fen)
            out.append(fen)
        return out

    with app.app_context():
        through = through or clock.today() - timedelta(days=1)
        with unit_of_work() as session:
            batches = estate_batches(session, late_fees.estates_with_bills(session))
        loop = for_each_batch(batches, accrue, what="late fees", log=log)
    return sum(fen for _estate, fen in loop.results)


JOBS = [Job(id="billing_late_fees", func=accrue_late_fees_job, cron={"hour": 2, "minute": 10})]
