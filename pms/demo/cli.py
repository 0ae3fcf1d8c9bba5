"""`pms demo load`: a realistic, deterministic demo (estates, people, logins, each domain's data)."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.core.db import unit_of_work
from pms.demo import loader


@click.group("demo", cls=AppGroup)
def demo_group():
    """Demo data."""


@demo_group.command("load")
@click.option("--households", type=click.IntRange(min=1), default=None,
              help="Rooms to create (estates of ~500 rooms); default: one estate of ~450.")
@click.option("--seed", type=int, default=loader.DEFAULT_SEED, show_default=True,
              help="The same seed gives the same demo.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any estate exists already.")
def load_command(households, seed, if_empty):
    """Load the demo estate(s), people and logins, then every domain's demo data."""
    if if_empty:
        with unit_of_work() as session:
            if loader.any_estate_exists(session):
                click.echo(_("estates exist already: the demo was not loaded"))
                _print_logins(loader.existing_demo_logins(session))
                return
    started = time.perf_counter()
    def on_step(name, seconds):
        click.echo(_("step %(name)s: %(seconds)s s", name=name, seconds=format(seconds, ".1f")), err=True)

    if households:
        with click.progressbar(length=households, label=_("rooms"), show_pos=True, file=sys.stderr) as bar:
            ctx, result = loader.load(seed, households, progress=bar.update, on_step=on_step)
    else:
        ctx, result = loader.load(seed, households, on_step=on_step)
    for warning in result.warnings:
        click.echo(_("warning: %(warning)s", warning=warning))
    click.echo(_("estates %(estates)d, rooms %(rooms)d: %(summary)s", estates=len(ctx.estates),
                 rooms=sum(e.rooms for e in ctx.estates), summary=result.summary))
    for note in ctx.notes:
        click.echo(note)
    seconds = format(time.perf_counter() - started, ".1f")
    click.echo(_("demo loaded in %(seconds)s s (seed %(seed)s)", seconds=seconds, seed=seed))
    _print_logins(ctx.logins)


def _print_logins(logins) -> None:
    if not logins:
        return
    width = max(len(u) for u, _r, _p in logins)
    role_width = max(len(r) for _u, r, _p in logins)
    click.echo("")
    click.echo(_("demo logins (http://127.0.0.1:5000/login):"))
    headings = [_("username"), _("role"), _("password")]
    width, role_width = max(width, len(headings[0])), max(role_width, len(headings[1]))
    click.echo(f"  {headings[0].ljust(width)}  {headings[1].ljust(role_width)}  {headings[2]}")
    for username, role, password in logins:
        click.echo(f"  {username.ljust(width)}  {role.ljust(role_width)}  {password}")


commands = [demo_group]
