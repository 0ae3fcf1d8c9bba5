"""`pms companies create` and `pms registry import`."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup

from pms.core.db import unit_of_work
from pms.core.errors import PmsError
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
    try:
        with unit_of_work() as session:
            company = services.create_company(session, code, name)
            click.echo(f"company {company.code} created")
    except PmsError as err:
        _fail(err)


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
    try:
        with unit_of_work() as session:
            company = services.find_company(session, company_code)
            if company is None:
                click.echo(f"unknown company {company_code}")
                sys.exit(1)
            result = import_file(session, company, data, dry_run=dry_run, actor="cli",
                                 source=os.path.basename(file), max_bytes=limit)
    except RegistryInvalid as err:
        _print_errors(err.errors)
        for warning in err.warnings:
            click.echo(f"warning: {warning}")
        click.echo(f"{len(err.errors)} error(s); nothing was imported")
        sys.exit(1)
    except PmsError as err:
        _fail(err)
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    suffix = " (dry run: nothing was written)" if dry_run else ""
    click.echo(result.summary + suffix)


def _print_errors(errors) -> None:
    for error in errors:
        click.echo(str(error))


def _fail(err: PmsError) -> None:
    click.echo(err.message)
    for name, messages in err.fields.items():
        for message in messages:
            click.echo(f"{name}: {message}")
    sys.exit(1)


commands = [companies_group, registry_group]
