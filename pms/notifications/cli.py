"""`pms outbox send [--once]` (the sender process) and `pms outbox status`."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup
from flask_babel import gettext as _


@click.group("outbox", cls=AppGroup)
def group():
    """Outgoing e-mail and SMS."""


@group.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (default: keep running).")
@click.option("--interval", type=click.IntRange(5, 3600), default=60, show_default=True,
              help="Seconds between runs when not --once.")
def send(once, interval):
    """Deliver queued e-mail through PMS_SMTP_URL (each message at most once).

    With --once the exit status is 1 when the mail server is not configured or could not be
    reached (messages stay queued), else 0 — a refused message is failed, not an exit status.
    """
    from pms.notifications.sender import deliver_due

    if once:
        summary = deliver_due()
        click.echo(summary.line(localized=True))
        sys.exit(1 if summary.stopped else 0)
    click.echo(_("pms outbox: sending every %(interval)d s (Ctrl-C stops)", interval=interval))
    try:
        while True:
            started = time.monotonic()
            summary = deliver_due(budget_seconds=max(interval - 5, 5))
            if summary.handled or summary.expired or summary.stopped:
                click.echo(summary.line(localized=True))
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass


@group.command("status")
def status():
    """How many messages are queued, being sent, to retry, failed and sent."""
    from sqlalchemy import func, select

    from pms.core.db import unit_of_work
    from pms.core.models import OutboxMessage as M
    from pms.notifications.services import STATUS_SQL, STATUSES

    with unit_of_work(write=False) as session:
        counts = dict(session.execute(select(STATUS_SQL, func.count(M.id)).group_by(STATUS_SQL)).all())
    # The status names are the API's values (GET /api/v1/outbox?status=…), kept as they are.
    click.echo("  ".join(f"{name} {counts.get(name, 0)}" for name in STATUSES))
