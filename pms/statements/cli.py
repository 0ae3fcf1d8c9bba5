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

# The print commands' shared options.
WORKERS = click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
                       help="Rendering processes.")
LANG = click.option("--lang", "locale", default="zh_CN", show_default=True,
                    type=click.Choice(["zh_CN", "en"]), help="Language of the labels.")

group = click.Group("statements", help="Statements (对账单) as PDF documents.")


@group.command("print")
@click.option("--estate", "estate_code", required=True, help="Estate code, e.g. YJL.")
@click.option("--period", required=True, help="Billing period YYYY-MM.")
@click.option("--building", default=None, help="Only this building.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for <ESTATE>-<PERIOD>-<BUILDING>.pdf files.")
@WORKERS
@LANG
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
@WORKERS
@with_appcontext
def print_notices(estate_code, building, out_dir, workers):
    """Today's arrears notices, one PDF per building in arrears (room order); each building is its
    own unit of work, its demands recorded once its file is written; a rerun the same day records
    no demand twice and writes the files again."""
    from pms.core.auth import system_principal
    from pms.core.db import unit_of_work
    from pms.statements import print_plans

    principal = system_principal()
    with cli_unit_of_work() as session:
        jobs = print_plans.plan_notices(session, principal, estate_code, printing.Sink(directory=str(out_dir)),
                                        building=building)
    if not jobs:
        click.echo(_("Nobody in %(place)s owes anything overdue: there is no notice to print.",
                     place=f"{estate_code}-{building}" if building else estate_code), err=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    demands = 0

    with click.progressbar(length=len(jobs), label=_("buildings"), file=sys.stderr,
                           item_show_func=lambda job: job.building if job else None) as bar:

        def record(job, _written):
            # After the building's file is in place, in its own transaction: a demand is never
            # recorded for a notice that was not printed.
            nonlocal demands
            with unit_of_work() as session:
                demands += print_plans.record_building(session, principal, job)
            bar.update(1, job)

        result = printing.run_print(jobs, app_config=printing.worker_config(current_app), workers=workers,
                                    resume=False, on_done=record)
    click.echo(_("%(files)d files written, %(demands)d demands recorded (%(documents)d notices, in %(seconds)s s)",
                 files=result.written, demands=demands, documents=result.documents,
                 seconds=format(result.seconds, ".1f")))


receipts_group = click.Group("receipts", help="Receipts (收据) as PDF documents.")


@receipts_group.command("print")
@click.option("--estate", "estate_code", required=True, help="Estate code, e.g. YJL.")
@click.option("--building", default=None, help="Only this building.")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day YYYY-MM-DD.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for receipts-<ESTATE>-<FROM>-<TO>-<BUILDING>.pdf files.")
@WORKERS
@LANG
@with_appcontext
def print_receipts(estate_code, building, start, end, out_dir, workers, locale):
    """The receipts issued from --from to --to (business days), one PDF per building, room order
    then number; reruns skip unchanged buildings."""
    from pms.statements import print_plans

    with cli_unit_of_work() as session:
        jobs = print_plans.plan_receipts(session, estate_code, start.date(), end.date(),
                                         printing.Sink(directory=str(out_dir)), building=building, locale=locale)
    out_dir.mkdir(parents=True, exist_ok=True)
    with click.progressbar(length=len(jobs), label=_("buildings"), file=sys.stderr,
                           item_show_func=lambda job: job.building if job else None) as bar:
        result = printing.run_print(jobs, app_config=printing.worker_config(current_app),
                                    workers=workers, on_done=lambda job, _written: bar.update(1, job))
    click.echo(result.documents_summary())


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


print_runs_group = click.Group("print-runs", help="Print runs requested from the web (queued for the scheduler).")


@print_runs_group.command("work")
@WORKERS
@with_appcontext
def work_print_runs(workers):
    """Process the queued print runs (and resume stalled ones) once, as the scheduler does."""
    from pms.statements import print_runs

    done = print_runs.work_queued(current_app, workers=workers)
    click.echo(_("%(runs)d print runs processed", runs=len(done)))


@print_runs_group.command("expire")
def expire_print_runs():
    """Delete the PDFs of runs finished more than PMS_PRINT_RUN_KEEP_DAYS ago (the scheduler does it daily)."""
    from pms.core.db import unit_of_work
    from pms.statements import print_runs

    keep = current_app.config["PRINT_RUN_KEEP_DAYS"]
    with unit_of_work() as session:
        expired = print_runs.expire_files(session, keep_days=keep)
    click.echo(_("print runs expired: %(count)d (files kept %(days)d days)", count=len(expired), days=keep))


commands = [group, notices_group, receipts_group, print_runs_group]
