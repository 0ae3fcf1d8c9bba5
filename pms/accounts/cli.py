"""`pms users create | unlock | disable | enable | set-password`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.accounts import managing, services
from pms.core.auth import ROLES, system_principal
from pms.core.cli import cli_unit_of_work, service_errors
from pms.core.db import unit_of_work
from pms.core.errors import NotFound


@click.group("users", cls=AppGroup)
def users_group():
    """User accounts."""


def _read_password(password_stdin: bool) -> str:
    if not password_stdin:
        raise click.UsageError(_("--password-stdin is required: pipe the password in, never put it on "
                                 "the command line"))
    return sys.stdin.readline().rstrip("\r\n")


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--company", "company_code", help="Company code (staff roles).")
@click.option("--room", "room_codes", multiple=True, help="Room code (residents; repeatable).")
@click.option("--district", "district_code", help="District code (auditors, programme officers).")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--email", default="", help="Where the outbox sends this account's e-mail (alerts, notices).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def create_user(username, role, company_code, room_codes, district_code, display_name, email, password_stdin):
    """Create an account; the password is read from standard input, never from the command line."""
    password = _read_password(password_stdin)
    with cli_unit_of_work() as session:
        user = services.create_user(session, username=username, password=password, role=role,
                                    company_code=company_code, room_codes=list(room_codes),
                                    district_code=district_code, display_name=display_name,
                                    email=email, actor="cli")
        created = _("user %(username)s (%(role)s) created", username=user.username, role=user.role)
    click.echo(created)


def _manage(action, username: str, done: str) -> None:
    with service_errors():
        try:
            with unit_of_work() as session:
                action(session, system_principal(), username)
        except NotFound as err:
            raise NotFound(_("no user %(username)s", username=username)) from err
    click.echo(done)


@users_group.command("unlock")
@click.argument("username")
def unlock_user(username):
    """Lift a lock-out after failed logins (audited)."""
    _manage(managing.unlock_user, username, _("user %(username)s unlocked", username=username))


@users_group.command("disable")
@click.argument("username")
def disable_user(username):
    """Disable an account: it cannot log in, and its sessions and API tokens end (audited)."""
    _manage(lambda s, p, u: managing.set_user_active(s, p, u, False), username,
            _("user %(username)s disabled", username=username))


@users_group.command("enable")
@click.argument("username")
def enable_user(username):
    """Let a disabled account log in again (audited)."""
    _manage(lambda s, p, u: managing.set_user_active(s, p, u, True), username,
            _("user %(username)s enabled", username=username))


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of standard input.")
def set_password(username, password_stdin):
    """Give an account a new password (a reset): its sessions and API tokens end, any lock is lifted."""
    password = _read_password(password_stdin)

    def action(session, principal, name):
        services.set_password(session, managing.managed_user(session, principal, name), password, actor="cli")

    _manage(action, username, _("password of %(username)s set", username=username))


commands = [users_group]
