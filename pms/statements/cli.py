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


notices_group = click.Group("notices", help="Arrears notices (催缴通知书) and annual public notices (公示) as PDF documents.")


@notices_group.command("print")
@click.option("--estate", "estate_code", required=True, help="Estate code, e.g. YJL.")
@click.option("--building", default=None, help="Only this building.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for notices-<ESTATE>-<BUILDING>-<DAY>.pdf files.")
@with_appcontext
def print_notices(estate_code, building, out_dir):
    """Today's arrears notices, one PDF per building in arrears (room order); each building is its
    own unit of work, its demands recorded with its file; a rerun the same day records no demand
    twice and writes the files again."""
    from pms.core.auth import system_principal
    from pms.core.cli import service_errors
    from pms.core.db import unit_of_work
    from pms.core.errors import Conflict
    from pms.statements import notices

    with cli_unit_of_work() as session:
        buildings = [building] if building else notices.buildings_in_arrears(session, estate_code)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = demands = 0
    for code in buildings:
        with service_errors():  # bad input (an unknown estate or building) ends the command
            try:
                with unit_of_work() as session:
                    data, recorded = notices.issue_notices(session, system_principal(), estate_code, building=code)
                    pdf = notices.notices_pdf(session, data)
                    printing.write_atomically(str(out_dir / notices.file_name(data)), pdf)
            except Conflict as refusal:  # nobody in arrears there (any more): nothing to print
                click.echo(refusal.message, err=True)
                continue
        written, demands = written + 1, demands + recorded
    click.echo(_("%(files)d files written, %(demands)d demands recorded", files=written, demands=demands))


@notices_group.command("public")
@click.option("--estate", "estate_code", required=True, help="Estate code, e.g. YJL.")
@click.option("--year", required=True, type=click.IntRange(2000, 2999), help="Calendar year, e.g. 2026.")
@click.option("--publish", is_flag=True, help="Publish the year's figures as a new version first.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the public-notice-<ESTATE>-<YEAR>-v<N>.pdf file.")
@with_appcontext
def public_notice_command(estate_code, year, publish, out_dir):
    """The annual public notice (公示) as one A4 PDF: with --publish a new version is published and
    written; without, the latest published version (or, none yet, the current figures as a preview)."""
    from pms.core.auth import system_principal
    from pms.statements import public_notice

    principal = system_principal()
    with cli_unit_of_work() as session:
        estate = public_notice.get_estate(session, principal, estate_code)
        if publish:
            data = public_notice.document(public_notice.publish(session, principal, estate, year))
        else:  # the latest published version, or (none yet) the live figures as a preview
            data = public_notice.readable(session, principal, estate, year)
        pdf = public_notice.public_notice_pdf(session, data, estate=estate)
        out_dir.mkdir(parents=True, exist_ok=True)
        # Written inside the unit of work: a file that cannot be written publishes nothing.
        printing.write_atomically(str(out_dir / public_notice.file_name(data)), pdf)
    if data["published"]:
        click.echo(_("%(estate)s %(year)d: version %(version)d, %(file)s", estate=estate_code, year=year,
                     version=data["version"], file=public_notice.file_name(data)))
    else:
        click.echo(_("%(estate)s %(year)d: not published; preview %(file)s", estate=estate_code, year=year,
                     file=public_notice.file_name(data)))


commands = [group, notices_group]
