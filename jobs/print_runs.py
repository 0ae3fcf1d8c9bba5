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


JOBS = [Job(id="print_runs", func=work_print_runs, cron={"second": "*/5"})]
