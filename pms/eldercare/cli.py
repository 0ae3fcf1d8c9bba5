"""`pms eldercare …`: the same services as the scheduler jobs, on demand."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.core.cli import cli_unit_of_work, parse_day


@click.group("eldercare", cls=AppGroup)
def group():
    """Elder care: visits from care plans, missed check-ins."""


@group.command("generate-visits")
@click.option("--today", callback=parse_day, help="Business date to generate from (default: today).")
@click.option("--days", type=click.IntRange(1, 31), default=7, show_default=True,
              help="How many days ahead, today included.")
def generate_visits(today, days):
    """Create the coming days' visits from care plans and daily check-ins (idempotent)."""
    from pms.eldercare.services import plans

    with cli_unit_of_work() as session:
        created = plans.generate_visits(session, today=today, days=days)
    click.echo(_("%(num)d new visit(s)", num=created))


@group.command("sweep")
def sweep():
    """Mark planned visits not checked in by the end of their window plus grace as missed and alert;
    escalate the alerts nobody acknowledged in time."""
    from pms.eldercare.services import alerts

    with cli_unit_of_work() as session:
        created = alerts.sweep_missed(session)
        escalated = alerts.escalate_overdue(session)
    click.echo(_("%(num)d new missed check-in alert(s)", num=created))
    click.echo(_("%(num)d alert(s) escalated", num=escalated))
