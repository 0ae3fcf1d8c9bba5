"""Nightly anomaly checks: at 03:30 Asia/Shanghai every claim not rejected is checked again
(`pms.subsidies.services.findings.check_claim`): approved money left idle, evidence changed after
it was claimed, allocations and budgets passed. One transaction per claim; a failed claim is
logged and the others still run."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.subsidies")


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
        for claim_id in ids:
            try:
                with unit_of_work() as session:
                    claim = session.scalars(select(Claim).where(Claim.id == claim_id).with_for_update()).one()
                    total += findings.check_claim(session, claim)
            except Exception:  # one claim's failure must not stop the others
                failed += 1
                log.exception("anomaly check failed claim=%s", claim_id)
        log.info("anomaly checks claims=%s open_findings=%s failed=%s", len(ids), total, failed)
    if failed:
        raise RuntimeError(f"{failed} claim(s) could not be checked")
    return total


JOBS = [Job(id="subsidies_nightly_checks", func=check_claims, cron={"hour": 3, "minute": 30})]
