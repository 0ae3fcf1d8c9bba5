"""The `pms` console script: one click group per domain, calling the same services as the web."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup

from pms import create_app, domain_names, domain_parts


# Commands that serve or list the pages and the API get the whole app; every other command
# (billing run, imports, prints…) builds it without its 227 routes and their modules: a third of
# the start-up, which a cron-driven command pays on every call.
WEB_COMMANDS = {"run", "routes", "shell", "scheduler"}


def _command_app():
    """The app for the command being run."""
    context = click.get_current_context(silent=True)
    command = context.find_root().invoked_subcommand if context is not None else None
    return create_app(web=command is None or command in WEB_COMMANDS)


class CommandGroup(FlaskGroup):
    """Flask's command group without the `flask.commands` entry points of installed packages.

    pms's commands are its interface; the one plugin installed, Flask-Limiter's `limiter`
    inspector, was loaded on every call, importing Flask-Limiter and rich: ~0.1 s of each
    command's start-up, paid by a cron-driven `pms billing run` for a command nobody runs.
    """

    def _load_plugin_commands(self) -> None:  # FlaskGroup's hook for entry points: none wanted
        self._loaded_plugin_commands = True


@click.group(cls=CommandGroup, create_app=_command_app, add_default_commands=True,
             add_version_option=False)
def cli():
    """pms: property management for renovated old estates."""


@cli.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision):
    """Apply migrations."""
    from pms.core.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@cli.group("audit")
def audit_group():
    """Integrity of the audit log and the ledger."""


@audit_group.command("verify")
@click.option("--seal", "printed_seals", multiple=True, metavar="MAC",
              help="A seal's MAC as printed on an audit report: it must still be in the database and match.")
def audit_verify(printed_seals):
    """Check the audit-log hash chain and every registered ledger check; exit 1 on the first breach."""
    from pms.core.audit import check_printed_seal, run_checks
    from pms.core.db import unit_of_work

    failed = False
    # A reader's snapshot: every check sees the same committed state, and writers go on.
    with unit_of_work(write=False, snapshot=True) as session:
        for mac in printed_seals:
            _found, breach = check_printed_seal(session, mac)
            if breach is not None:
                click.echo(f"FAIL  printed_seal: {breach.record}: {breach.detail}")
                sys.exit(1)
            click.echo(f"ok    printed_seal {mac[:16]}")
        for name, breach in run_checks(session):
            if breach is None:
                click.echo(f"ok    {name}")
            else:
                click.echo(f"FAIL  {name}: {breach.record}: {breach.detail}")
                failed = True
                break
    sys.exit(1 if failed else 0)


@audit_group.command("seal")
def audit_seal():
    """Seal the audit chain's head with an HMAC under PMS_AUDIT_KEY (the scheduler does it nightly)."""
    from pms.core.audit import seal
    from pms.core.db import unit_of_work

    with unit_of_work() as session:
        found = seal(session, "manual")
        printed = None if found is None else (found.seq, found.head_hash, found.mac)
    if printed is None:
        click.echo("the audit log is empty: nothing to seal")
        return
    click.echo(f"sealed seq {printed[0]} head {printed[1]} mac {printed[2]}")


@cli.command("backup")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the backup file into.")
def backup_command(out_dir):
    """Back up the whole database into one file in DIR (SQLite backup API, or pg_dump -Fc)."""
    from pathlib import Path

    from flask_babel import gettext as _

    from pms.core.backup import BackupError, backup
    from pms.core.db import get_engine

    try:
        path = backup(get_engine(), Path(out_dir))
    except BackupError as err:
        click.echo(err.message, err=True)
        sys.exit(1)
    click.echo(_("backup written: %(path)s", path=str(path)))


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
def restore_command(file):
    """Restore a backup into the configured database (only if it is empty), then verify it."""
    from pathlib import Path

    from flask_babel import gettext as _

    from pms.core.backup import BackupError, restore
    from pms.core.db import get_engine

    try:
        restored = restore(get_engine(), Path(file))
    except BackupError as err:
        click.echo(err.message, err=True)
        sys.exit(1)
    click.echo(_("restored %(path)s", path=file))
    if not restored.at_head:
        # The checks read today's schema: an older backup is verified after `pms db upgrade`.
        click.echo(_("The backup is at revision %(revision)s, older or newer than this code: run "
                     "`pms db upgrade`, then `pms audit verify`.",
                     revision=", ".join(sorted(restored.revisions)) or "-"), err=True)
        sys.exit(1)
    # The same checks as `pms audit verify`, with its output and its exit code.
    click.get_current_context().invoke(audit_verify)


@cli.command("scheduler")
def scheduler_command():
    """Run the one scheduler process (blocking)."""
    from jobs.scheduler import run_forever

    run_forever(current_app._get_current_object())


def _register_core_commands() -> None:
    from pms.core.server import serve_command

    cli.add_command(serve_command)


_register_core_commands()


def _register_domain_commands() -> None:
    for domain in domain_names():
        for module in domain_parts(domain, "cli"):
            for group in getattr(module, "commands", [getattr(module, "group", None)]):
                if group is not None:
                    cli.add_command(group)


_register_domain_commands()


def main() -> None:
    """Console-script entry point."""
    import os

    from pms.core.i18n import locale_from_environment, set_outside_request_locale

    set_outside_request_locale(locale_from_environment(os.environ))
    cli(prog_name="pms")
