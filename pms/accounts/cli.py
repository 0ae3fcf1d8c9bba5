"""`pms users create`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from pms.accounts import services
from pms.core.auth import ROLES
from pms.core.db import unit_of_work
from pms.core.errors import PmsError


@click.group("users", cls=AppGroup)
def users_group():
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--company", "company_code", help="Company code (staff roles).")
@click.option("--room", "room_codes", multiple=True, help="Room code (residents; repeatable).")
@click.option("--district", "district_code", help="District code (auditors).")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def create_user(username, role, company_code, room_codes, district_code, display_name, password_stdin):
    """Create an account; the password is read from standard input, never from the command line."""
    if not password_stdin:
        raise click.UsageError("--password-stdin is required: pipe the password in, never put it on the command line")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with unit_of_work() as session:
            user = services.create_user(session, username=username, password=password, role=role,
                                        company_code=company_code, room_codes=list(room_codes),
                                        district_code=district_code, display_name=display_name,
                                        actor="cli")
            click.echo(f"user {user.username} ({user.role}) created")
    except PmsError as err:
        click.echo(err.message)
        for name, messages in err.fields.items():
            for message in messages:
                click.echo(f"{name}: {message}")
        sys.exit(1)


commands = [users_group]
