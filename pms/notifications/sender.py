"""The sender: hands due e-mail of the outbox to the SMTP server, one message at a time.

Each message goes through three short units of work with the SMTP conversation between the
second and the third, so no database lock is held while the network is slow:

    1. claim it (conditional UPDATE: `claimed_at`, `claimed_by`, attempts + 1) — commit
    2. hand it to the SMTP server (no transaction open)
    3. record the outcome: `sent_at`, or a retry time with backoff, or `failed_at` — commit

At most once: a message is handed over only by the sender that won its claim, and a claim that
was never resolved (the sender died between 1 and 3) is not taken over to send again but
failed with "it may have arrived" (`services.expire_claims`), for the manager to retry by hand.
The only way one message reaches a mailbox twice is that manual retry. What can be lost is
visible: every message ends `sent` or `failed` with a reason on the manager's outbox page.

Logs name message ids, counts and SMTP reply codes; never addresses, bodies or credentials.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app

from pms.core.db import unit_of_work, utcnow
from pms.core.i18n import _l, translate
from pms.notifications import services
from pms.notifications.smtp import Mailer, build_message, parse_smtp_url

log = logging.getLogger("pms.outbox")


NOT_CONFIGURED = _l("no SMTP server configured (PMS_SMTP_URL)")


@dataclass
class RunSummary:
    """What one run did (the CLI's and the job's summary line)."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0
    waiting_sms: int = 0
    waiting_email: int = 0
    stopped: Optional[str] = None   # why the run ended early (the server, not a message)
    ids: dict = field(default_factory=lambda: {"sent": [], "retrying": [], "failed": []})

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def line(self, localized: bool = False) -> str:
        """The run in one line: English for the logs, the terminal's language for the CLI."""
        _ = translate if localized else _as_written
        text = _("outbox: %(sent)d sent, %(retrying)d to retry, %(failed)d failed", sent=self.sent,
                 retrying=self.retrying, failed=self.failed)
        if self.expired:
            text += _(", %(expired)d stale claim(s) failed", expired=self.expired)
        if self.waiting_sms:
            text += _("; %(sms)d SMS waiting (no SMS gateway configured)", sms=self.waiting_sms)
        if self.stopped:
            reason = _(NOT_CONFIGURED) if self.stopped == NOT_CONFIGURED else self.stopped
            text += _("; stopped: %(reason)s", reason=reason)
            if self.waiting_email:
                text += _(" (%(email)d e-mail(s) waiting)", email=self.waiting_email)
        return text


def _as_written(msgid: str, **params) -> str:
    """A message in English, as the logs have it."""
    return msgid % params if params else msgid


def sender_id() -> str:
    """Who holds a claim: host, process, and a random part per run (two threads differ)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:64]


def deliver_due(*, max_messages: Optional[int] = None, budget_seconds: Optional[float] = None) -> RunSummary:
    """Send every e-mail that is due (needs an app context); stops early after `max_messages`,
    after `budget_seconds` of wall time (the job must end within its minute), or when the SMTP
    server cannot be reached (the other messages wait for the next run)."""
    config = current_app.config
    summary = RunSummary()
    with unit_of_work() as session:
        summary.expired = services.expire_claims(session, now=utcnow())
        summary.waiting_sms = services.count_waiting_sms(session)
    if summary.expired:
        log.warning("outbox: %d message(s) failed: their sender stopped mid-delivery", summary.expired)
    url = config.get("SMTP_URL") or ""
    if not url:
        summary.stopped = NOT_CONFIGURED
        summary.waiting_email = _due_count()
        return summary
    mailer = Mailer(parse_smtp_url(url))
    sender_address = config.get("SMTP_FROM") or "pms@localhost"
    me = sender_id()
    started = time.monotonic()
    try:
        while max_messages is None or summary.handled < max_messages:
            if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
                break
            with unit_of_work() as session:
                claimed = services.claim_next(session, me, now=utcnow())
            if claimed is None:
                break
            if claimed.problem:
                _record(summary, claimed.id, me, claimed.problem, permanent=True, code="no address")
                continue
            try:
                email = build_message(message_id=claimed.id, created_at=claimed.created_at,
                                      sender=sender_address, to=claimed.to, subject=claimed.subject,
                                      body=claimed.body)
            except (ValueError, TypeError) as exc:  # nothing was handed over: say so, go on
                _record(summary, claimed.id, me, services.NOT_COMPOSED, permanent=True,
                        code=type(exc).__name__)
                continue
            outcome = mailer.send(email, sender_address, claimed.to)
            if outcome.sent:
                with unit_of_work() as session:
                    services.record_sent(session, claimed.id, now=utcnow())
                summary.sent += 1
                summary.ids["sent"].append(claimed.id)
                log.info("outbox: message %d sent (attempt %d)", claimed.id, claimed.attempt)
                continue
            _record(summary, claimed.id, me, outcome.error, permanent=outcome.permanent, code=outcome.code)
            if outcome.broken:
                summary.stopped = outcome.error
                break
    finally:
        mailer.close()
    if summary.stopped:
        summary.waiting_email = _due_count()
        log.warning("outbox: run stopped (%s)", summary.stopped)
    return summary


def _record(summary: RunSummary, message_id: int, me: str, error: str, *, permanent: bool, code: str) -> None:
    with unit_of_work() as session:
        state = services.record_failure(session, message_id, me, error, permanent=permanent, now=utcnow())
    if state in ("failed", "retrying"):
        setattr(summary, state, getattr(summary, state) + 1)
        summary.ids[state].append(message_id)
    log.warning("outbox: message %d not sent (%s): %s", message_id, code, state)


def _due_count() -> int:
    with unit_of_work(write=False) as session:
        return services.count_due(session, now=utcnow())
