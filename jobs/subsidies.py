"""Nightly anomaly checks: at 03:30 Asia/Shanghai every claim not rejected is checked again
(`pms.subsidies.services.findings.check_claims`): approved money left idle, evidence changed after
it was claimed, allocations and budgets passed. Claims are checked CHUNK at a time (each rule one
query over the chunk's lines), one transaction per chunk with the claims locked; a failed chunk
is logged and the others still run."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.subsidies")
CHUNK = 100  # claims per transaction (an estate's month is one claim of ~500 lines)


def check_claims(app) -> int:
    """Check every live claim; the number of open findings."""
    from sqlalchemy import select

    from pms.core.db import unit_of_work
    from pms.subsidies.models import Claim
    from pms.subsidies.services import findings

    with app.app_context():
        with unit_of_work(write=False) as session:
            ids = session.scalars(select(Claim.id).where(Claim.status != "rejected").order_by(Claim.id)).all()
        total, failed = 0, 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            try:
                with unit_of_work() as session:
                    claims = list(session.scalars(select(Claim).where(Claim.id.in_(chunk)).order_by(Claim.id)
                                                  .with_for_update()))
                    total += findings.check_claims(session, claims)
            except Exception:  # one chunk's failure must not stop the others
                failed += len(chunk)
                log.exception("anomaly check failed claims=%s..%s", chunk[0], chunk[-1])
        log.info("anomaly checks claims=%s open_findings=%s failed=%s", len(ids), total, failed)
    if failed:
        raise RuntimeError(f"{failed} claim(s) could not be checked")
    return total


JOBS = [Job(id="subsidies_nightly_checks", func=check_claims, cron={"hour": 3, "minute": 30})]
