"""`pms statements print`: print-ready statement PDFs, one per building."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from pms.core.cli import cli_unit_of_work
from pms.statements import printing

group = click.Group("statements", help="Statements (对账单) as PDF documents.")


@group.command("print")
@click.option("--estate", "estate_code", required=True, help="Estate code, e.g. YJL.")
@click.option("--period", required=True, help="Billing period YYYY-MM.")
@click.option("--building", default=None, help="Only this building.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for <ESTATE>-<PERIOD>-<BUILDING>.pdf files.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Rendering processes.")
@click.option("--lang", "locale", default="zh_CN", show_default=True,
              type=click.Choice(["zh_CN", "en"]), help="Language of the labels.")
@with_appcontext
def print_command(estate_code, period, building, out_dir, workers, locale):
    """One print-ready PDF per building of the period's bills; reruns skip unchanged buildings."""
    with cli_unit_of_work() as session:
        jobs = printing.plan_print(session, estate_code, period, out_dir, building=building, locale=locale)
    out_dir.mkdir(parents=True, exist_ok=True)
    with click.progressbar(length=len(jobs), label=_("buildings"), file=sys.stderr,
                           item_show_func=lambda job: job.building if job else None) as bar:
        result = printing.run_print(jobs, app_config=printing.worker_config(current_app),
                                    workers=workers, on_done=lambda job, _written: bar.update(1, job))
    click.echo(result.summary())
