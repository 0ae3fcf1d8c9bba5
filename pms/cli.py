"""The `pms` console script: one click group per domain, calling the same services as the web."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup

from pms import create_app, domain_names, domain_parts


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True,
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
def audit_verify():
    """Check the audit-log hash chain and every registered ledger check; exit 1 on the first breach."""
    from pms.core.audit import run_checks
    from pms.core.db import unit_of_work

    failed = False
    # A reader's snapshot: every check sees the same committed state, and writers go on.
    with unit_of_work(write=False, snapshot=True) as session:
        for name, breach in run_checks(session):
            if breach is None:
                click.echo(f"ok    {name}")
            else:
                click.echo(f"FAIL  {name}: {breach.record}: {breach.detail}")
                failed = True
                break
    sys.exit(1 if failed else 0)


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
