"""`pms companies create` and `pms registry import`."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.core.cli import cli_unit_of_work, service_errors
from pms.core.db import unit_of_work
from pms.estates import services
from pms.estates.registry.importing import import_file
from pms.estates.registry.reading import max_file_bytes, too_large
from pms.estates.registry.rows import RegistryInvalid


@click.group("companies", cls=AppGroup)
def companies_group():
    """Property companies."""


@companies_group.command("create")
@click.argument("code")
@click.argument("name")
def create_company(code, name):
    """Create a property company."""
    with cli_unit_of_work() as session:
        company = services.create_company(session, code, name)
        click.echo(_("company %(code)s created", code=company.code))


@click.group("registry", cls=AppGroup)
def registry_group():
    """The estate registry (rooms and owners)."""


@registry_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--company", "company_code", required=True, help="Code of the importing property company.")
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
def import_registry(file, company_code, dry_run):
    """Import a registry file (CSV UTF-8 or XLSX): all or nothing; exit 1 on any error."""
    limit = max_file_bytes()
    size = os.path.getsize(file)
    if size > limit:
        _print_errors([too_large(size, limit)])
        sys.exit(1)
    with open(file, "rb") as handle:
        data = handle.read()
    with service_errors():
        try:
            with unit_of_work() as session:
                company = services.find_company(session, company_code)
                if company is None:
                    click.echo(_("unknown company %(code)s", code=company_code))
                    sys.exit(1)
                result = import_file(session, company, data, dry_run=dry_run, actor="cli",
                                     source=os.path.basename(file), max_bytes=limit)
        except RegistryInvalid as err:
            # The contract's `row N, column: message` lines, on standard output as always.
            _print_errors(err.errors)
            for warning in err.warnings:
                click.echo(_("warning: %(warning)s", warning=warning))
            click.echo(_("%(num)d error(s); nothing was imported", num=len(err.errors)))
            sys.exit(1)
    for warning in result.warnings:
        click.echo(_("warning: %(warning)s", warning=warning))
    click.echo(result.summary + (_(" (dry run: nothing was written)") if dry_run else ""))


def _print_errors(errors) -> None:
    for error in errors:
        click.echo(str(error))


commands = [companies_group, registry_group]
