"""`pms maintenance …`: the same services as the scheduler jobs, on demand."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.core.auth import system_principal
from pms.core.cli import cli_unit_of_work, parse_day


# AppGroup: each command runs in an app context (a plain click group had none outside the tests).
@click.group("maintenance", cls=AppGroup)
def group():
    """Repair requests, preventive plans and planned works."""


@group.command("generate-plans")
@click.option("--today", callback=parse_day, help="Business date to generate from (default: today).")
@click.option("--horizon-days", type=click.IntRange(1, 3660), default=None,
              help="Create work orders due up to N days ahead (default 30 for maintenance, 90 for inspections).")
def generate_plans(today, horizon_days):
    """Create preventive work orders ahead of time (idempotent)."""
    from pms.maintenance.services import equipment

    horizon = {"maintenance": horizon_days, "inspection": horizon_days} if horizon_days else None
    with cli_unit_of_work() as session:
        created = equipment.generate_work_orders(session, today=today, horizon_days=horizon)
    click.echo(_("%(num)d new work order(s)", num=created))


@group.command("flag-overdue")
@click.option("--today", callback=parse_day, help="Business date (default: today).")
def flag_overdue(today):
    """Flag open work orders whose due date has passed."""
    from pms.maintenance.services import equipment

    with cli_unit_of_work() as session:
        flagged = equipment.flag_overdue(session, today=today)
    click.echo(_("%(num)d work order(s) flagged overdue", num=flagged))


@group.command("check-sla")
def check_sla():
    """Alert managers about breached SLA deadlines (idempotent)."""
    from pms.maintenance.services import alerts

    with cli_unit_of_work() as session:
        created = alerts.check_sla(session)
    click.echo(_("%(num)d new SLA alert(s)", num=created))


@group.command("kpis")
@click.option("--estate", required=True)
@click.option("--period", required=True, help="YYYY-MM")
def kpis(estate, period):
    """Print an estate's maintenance KPIs for a month."""
    from pms.core.api import load_data
    from pms.maintenance import schemas
    from pms.maintenance.services import kpis as kpi_service

    # The API's query schema: the CLI refuses what GET …/maintenance/kpis refuses, in the same words.
    with cli_unit_of_work() as session:
        args = load_data(schemas.KpiQuerySchema(), {"period": period})
        result = kpi_service.kpis_for(session, system_principal(), estate, args["period"])
        shown = schemas.KpiSchema().dump(result)
    for key, value in shown.items():
        click.echo(f"{key}: {'—' if value is None else value}")
