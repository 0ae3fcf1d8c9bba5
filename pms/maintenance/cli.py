"""`pms maintenance …`: the same services as the scheduler jobs, on demand."""
from __future__ import annotations

from datetime import date

import click

from pms.core.auth import system_principal


def _day(_ctx, _param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@click.group("maintenance")
def group():
    """Repair requests, preventive plans and planned works."""


@group.command("generate-plans")
@click.option("--today", callback=_day, help="Business date to generate from (default: today).")
@click.option("--horizon-days", type=click.IntRange(1, 3660), default=None,
              help="Create work orders due up to N days ahead (default 30 for maintenance, 90 for inspections).")
def generate_plans(today, horizon_days):
    """Create preventive work orders ahead of time (idempotent)."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import equipment

    horizon = {"maintenance": horizon_days, "inspection": horizon_days} if horizon_days else None
    with unit_of_work() as session:
        created = equipment.generate_work_orders(session, today=today, horizon_days=horizon)
    click.echo(f"{created} new work order(s)")


@group.command("flag-overdue")
@click.option("--today", callback=_day, help="Business date (default: today).")
def flag_overdue(today):
    """Flag open work orders whose due date has passed."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import equipment

    with unit_of_work() as session:
        flagged = equipment.flag_overdue(session, today=today)
    click.echo(f"{flagged} work order(s) flagged overdue")


@group.command("check-sla")
def check_sla():
    """Alert managers about breached SLA deadlines (idempotent)."""
    from pms.core.db import unit_of_work
    from pms.maintenance.services import alerts

    with unit_of_work() as session:
        created = alerts.check_sla(session)
    click.echo(f"{created} new SLA alert(s)")


@group.command("kpis")
@click.option("--estate", required=True)
@click.option("--period", required=True, help="YYYY-MM")
def kpis(estate, period):
    """Print an estate's maintenance KPIs for a month."""
    from dataclasses import asdict

    from pms.core.db import unit_of_work
    from pms.core.errors import PmsError
    from pms.maintenance.services import kpis as kpi_service

    with unit_of_work() as session:
        try:
            result = kpi_service.kpis_for(session, system_principal(), estate, period)
        except PmsError as err:
            raise click.ClickException(f"{err.message} {err.fields or ''}".strip()) from None
    for key, value in asdict(result).items():
        click.echo(f"{key}: {'—' if value is None else value}")
