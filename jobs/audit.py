"""Nightly seal of the audit chain: at 03:50 Asia/Shanghai the chain's head is signed with an HMAC
under PMS_AUDIT_KEY (`pms.core.audit.seal`), so a rewrite of the whole chain by someone with only
database access is detected by `pms audit verify`. The seal is also logged (outside the database)."""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.audit")


def seal_chain(app) -> None:
    from pms.core.audit import seal
    from pms.core.db import unit_of_work

    with app.app_context():
        with unit_of_work() as session:
            found = seal(session, "nightly")
            if found is not None:
                log.info("audit seal seq=%s head=%s mac=%s", found.seq, found.head_hash, found.mac)


JOBS = [Job(id="audit_nightly_seal", func=seal_chain, cron={"hour": 3, "minute": 50})]
