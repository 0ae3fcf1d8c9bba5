"""Print runs requested from the web: every 5 seconds claim the queued ones (and resume those
whose process died) and print them into storage, one at a time. Two scheduler processes never
print one run twice (the claim is a conditional UPDATE); `pms print-runs work` does the same once."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.print_runs")


def work_print_runs(app, workers: int = 2) -> list[int]:
    """Claim and print every waiting run; the ids worked."""
    from pms.statements import print_runs

    worked = print_runs.work_queued(app, workers=workers)
    if worked:
        log.info("print runs worked: %s", worked)
    return worked


def expire_print_runs(app) -> list[int]:
    """Delete the PDFs of runs finished more than PMS_PRINT_RUN_KEEP_DAYS ago; the runs expired."""
    from pms.core.db import unit_of_work
    from pms.statements import print_runs

    with app.app_context(), unit_of_work() as session:
        expired = print_runs.expire_files(session, keep_days=app.config["PRINT_RUN_KEEP_DAYS"])
    if expired:
        log.info("print runs expired: %s", expired)
    return expired


JOBS = [Job(id="print_runs", func=work_print_runs, cron={"second": "*/5"}),
        Job(id="print_run_expiry", func=expire_print_runs, cron={"hour": 4, "minute": 20})]
