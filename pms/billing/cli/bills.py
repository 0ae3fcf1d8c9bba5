"""`pms fees apply FILE` and `pms billing run --period YYYY-MM [--estate CODE]`."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.core.cli import echo_error, fail
from pms.core.errors import PmsError
from pms.core.money import format_fen
from pms.core.periods import is_period


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
        click.echo(_("error: %(file)s is not a JSON document: %(problem)s", file=file, problem=exc), err=True)
        sys.exit(1)
    code = document.get("estate") if isinstance(document, dict) else None
    try:
        with unit_of_work() as session:
            estate = find_estate(session, code) if isinstance(code, str) else None
            if estate is None:
                click.echo(_("error: the document must name a known estate (\"estate\": %(code)s)", code=repr(code)),
                           err=True)
                sys.exit(1)
            applied = plans.apply_fee_plan(session, estate, document, actor="cli")
            plan_id, start = applied.plan.id, applied.plan.effective_from
    except PmsError as err:
        fail(err, prefix=_("error"), rows=False)
    for warning in applied.warnings:
        click.echo(_("warning: %(warning)s", warning=f"{warning.field}: {warning.message}"))
    click.echo(_("fee plan %(id)s for %(estate)s loaded: in force from %(start)s", id=plan_id, estate=code,
                 start=start))


@click.group("billing", cls=AppGroup)
def billing():
    """Billing runs."""


def _period(_ctx, _param, value):
    if not is_period(value):
        raise click.BadParameter(_("expected YYYY-MM"))
    return value


@billing.command("run")
@click.option("--period", required=True, callback=_period, help="YYYY-MM")
@click.option("--estate", "estate_code", default=None, help="one estate (default: every estate)")
def run(period, estate_code):
    """Issue the period's bills: one transaction per batch of estates; idempotent."""
    from sqlalchemy import select

    from pms.billing.services import runs
    from pms.billing.services.plans import plans_in_force
    from pms.core.db import unit_of_work
    from pms.core.estate_loop import for_each_batch
    from pms.estates.models import Estate
    from pms.estates.services import estate_batches

    with unit_of_work() as session:
        stmt = select(Estate.id, Estate.code).order_by(Estate.code)
        if estate_code:
            stmt = stmt.where(Estate.code == estate_code)
        estates = session.execute(stmt).all()
        if not estate_code:  # every estate with a plan in force
            planned = plans_in_force(session, [i for i, _c in estates], period)
            estates = [(i, c) for i, c in estates if i in planned]
        batches = estate_batches(session, [i for i, _c in estates])
    if estate_code and not estates:
        click.echo(_("error: unknown estate %(code)s", code=estate_code), err=True)
        sys.exit(1)
    codes = dict(estates)
    with click.progressbar(length=len(estates), label=_("billing %(period)s", period=period)) as bar:
        done = for_each_batch(
            batches,
            lambda session, estate_ids: runs.run_billing_batch(
                session, session.scalars(select(Estate).where(Estate.id.in_(estate_ids))).all(), period,
                triggered_by="cli"),
            what=f"billing {period}", on_done=lambda _key: bar.update(1))
    created = sum(result.bills_created for _key, result in done.results)
    total = sum(result.total_fen for _key, result in done.results)
    click.echo(_("period %(period)s: %(estates)d estates, %(bills)d bills created, total %(total)s",
                 period=period, estates=len(done.results), bills=created, total=format_fen(total)))
    for failure in done.failures:
        error = failure.error if isinstance(failure.error, PmsError) else PmsError(
            _("an unexpected error; the log has its details"))
        echo_error(error, prefix=_("failed %(code)s", code=codes[failure.key]))
    sys.exit(done.exit_code)


@billing.command("refresh-collection")
def refresh_collection():
    """Recompute the home pages' snapshots of collection (last 12 months) and of what is owed (the scheduler does it every 5 minutes)."""
    from pms.billing.services.overview import refresh_snapshots
    from pms.core.db import unit_of_work

    with unit_of_work() as session:
        months, owed = refresh_snapshots(session)
    click.echo(_("collection snapshot refreshed: %(rows)d estate months, %(owed)d rows of money owed",
                 rows=months, owed=owed))


commands = [fees, billing]
