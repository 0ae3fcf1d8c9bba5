"""Outbox job: every minute, hand due e-mail to the SMTP server (pms.notifications.sender).

A run stops after 45 s so it ends within its minute (the scheduler runs at most one instance);
what is left goes in the next run. Idempotent: a message is claimed before it is sent and a
second sender (or a second scheduler by mistake) never takes a claimed one.
"""
from __future__ import annotations

import logging

from jobs.scheduler import Job

log = logging.getLogger("pms.jobs.outbox")


def send_outbox(app) -> None:
    """Send the e-mail that is due."""
    from pms.notifications.sender import NOT_CONFIGURED, deliver_due

    with app.app_context():
        summary = deliver_due(max_messages=500, budget_seconds=45)
    # Nothing happened (or no mail server is configured: the outbox page says so) → debug only,
    # so an idle or unconfigured scheduler does not log a line a minute.
    quiet = not (summary.handled or summary.expired) and summary.stopped in (None, NOT_CONFIGURED)
    log.log(logging.DEBUG if quiet else logging.INFO, "outbox.send: %s", summary.line())


JOBS = [Job(id="outbox.send", func=send_outbox, cron={"minute": "*"})]
