"""`pms users create | unlock | disable | enable | set-password`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from pms.accounts import services
from pms.core.auth import ROLES, system_principal
from pms.core.db import unit_of_work
from pms.core.errors import PmsError


@click.group("users", cls=AppGroup)
def users_group():
    """User accounts."""


def _fail(err: PmsError) -> None:
    click.echo(err.message)
    for name, messages in err.fields.items():
        for message in messages:
            click.echo(f"{name}: {message}")
    sys.exit(1)


def _read_password(password_stdin: bool) -> str:
    if not password_stdin:
        raise click.UsageError("--password-stdin is required: pipe the password in, never put it on the command line")
    return sys.stdin.readline().rstrip("\r\n")


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--company", "company_code", help="Company code (staff roles).")
@click.option("--room", "room_codes", multiple=True, help="Room code (residents; repeatable).")
@click.option("--district", "district_code", help="District code (auditors).")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--email", default="", help="Where the outbox sends this account's e-mail (alerts, notices).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def create_user(username, role, company_code, room_codes, district_code, display_name, email, password_stdin):
    """Create an account; the password is read from standard input, never from the command line."""
    password = _read_password(password_stdin)
    try:
        with unit_of_work() as session:
            user = services.create_user(session, username=username, password=password, role=role,
                                        company_code=company_code, room_codes=list(room_codes),
                                        district_code=district_code, display_name=display_name,
                                        email=email, actor="cli")
            click.echo(f"user {user.username} ({user.role}) created")
    except PmsError as err:
        _fail(err)


def _manage(action, username: str, done: str) -> None:
    try:
        with unit_of_work() as session:
            action(session, system_principal(), username)
    except PmsError as err:
        if err.status == 404:
            click.echo(f"no user {username}")
            sys.exit(1)
        _fail(err)
    click.echo(done)


@users_group.command("unlock")
@click.argument("username")
def unlock_user(username):
    """Lift a lock-out after failed logins (audited)."""
    _manage(services.unlock_user, username, f"user {username} unlocked")


@users_group.command("disable")
@click.argument("username")
def disable_user(username):
    """Disable an account: it cannot log in, and its sessions and API tokens end (audited)."""
    _manage(lambda s, p, u: services.set_user_active(s, p, u, False), username, f"user {username} disabled")


@users_group.command("enable")
@click.argument("username")
def enable_user(username):
    """Let a disabled account log in again (audited)."""
    _manage(lambda s, p, u: services.set_user_active(s, p, u, True), username, f"user {username} enabled")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of standard input.")
def set_password(username, password_stdin):
    """Give an account a new password (a reset): its sessions and API tokens end, any lock is lifted."""
    password = _read_password(password_stdin)

    def action(session, principal, name):
        services.set_password(session, services.managed_user(session, principal, name), password, actor="cli")

    _manage(action, username, f"password of {username} set")


commands = [users_group]
