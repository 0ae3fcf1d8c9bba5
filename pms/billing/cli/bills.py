"""`pms fees apply FILE` and `pms billing run --period YYYY-MM [--estate CODE]`."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from pms.core.errors import PmsError
from pms.core.money import format_fen
from pms.core.periods import is_period


def _echo_error(err: PmsError, prefix: str = "error") -> None:
    click.echo(f"{prefix}: {err.message}", err=True)
    for field, messages in err.fields.items():
        click.echo(f"  {field}: {' '.join(messages)}", err=True)


@click.group("fees", cls=AppGroup)
def fees():
    """Fee plans."""


@fees.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def apply_plan(file):
    """Load a fee plan document (JSON, CONTRACT.md) for the estate it names."""
    from pms.billing.services import plans
    from pms.core.db import unit_of_work
    from pms.estates.services import find_estate

    try:
        with open(file, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        click.echo(f"error: {file} is not a JSON document: {exc}", err=True)
        sys.exit(1)
    code = document.get("estate") if isinstance(document, dict) else None
    try:
        with unit_of_work() as session:
            estate = find_estate(session, code) if isinstance(code, str) else None
            if estate is None:
                click.echo(f"error: the document must name a known estate (\"estate\": {code!r})", err=True)
                sys.exit(1)
            applied = plans.apply_fee_plan(session, estate, document, actor="cli")
            plan_id, start = applied.plan.id, applied.plan.effective_from
    except PmsError as err:
        _echo_error(err)
        sys.exit(1)
    for warning in applied.warnings:
        click.echo(f"warning: {warning.field}: {warning.message}")
    click.echo(f"fee plan {plan_id} for {code} loaded: in force from {start}")


@click.group("billing", cls=AppGroup)
def billing():
    """Billing runs."""


def _period(_ctx, _param, value):
    if not is_period(value):
        raise click.BadParameter("expected YYYY-MM")
    return value


@billing.command("run")
@click.option("--period", required=True, callback=_period, help="YYYY-MM")
@click.option("--estate", "estate_code", default=None, help="one estate (default: every estate)")
def run(period, estate_code):
    """Issue the period's bills: one transaction per estate; idempotent."""
    from sqlalchemy import select

    from pms.billing.services import runs
    from pms.billing.services.plans import plan_in_force
    from pms.core.db import unit_of_work
    from pms.estates.models import Estate

    with unit_of_work() as session:
        stmt = select(Estate.id, Estate.code).order_by(Estate.code)
        if estate_code:
            stmt = stmt.where(Estate.code == estate_code)
        estates = [(i, c) for i, c in session.execute(stmt)
                   if estate_code or plan_in_force(session, i, period) is not None]
    if estate_code and not estates:
        click.echo(f"error: unknown estate {estate_code}", err=True)
        sys.exit(1)
    created = total = 0
    failures: list[tuple[str, PmsError | Exception]] = []
    with click.progressbar(estates, label=f"billing {period}",
                           item_show_func=lambda e: e[1] if e else "") as bar:
        for estate_id, code in bar:
            try:
                with unit_of_work() as session:
                    result = runs.run_billing(session, session.get(Estate, estate_id), period,
                                              triggered_by="cli")
            except PmsError as err:
                failures.append((code, err))
                continue
            created += result.bills_created
            total += result.total_fen
    click.echo(f"period {period}: {len(estates) - len(failures)} estates, {created} bills created, "
               f"total {format_fen(total)}")
    for code, err in failures:
        _echo_error(err, prefix=f"failed {code}")
    sys.exit(1 if failures else 0)


commands = [fees, billing]
