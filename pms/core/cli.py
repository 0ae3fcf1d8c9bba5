"""What every `pms` command shares: one way to report a service's refusal.

A `PmsError` becomes its message on stderr, one line per field message (`row N, field: message`
for a row of a file or a list, `field: message` otherwise) and exit status 1. Messages are in the
terminal's language: `pms.cli.main` sets it from LANG, and services translate with Flask-Babel.
"""
from __future__ import annotations

import contextlib
import sys
from datetime import date
from typing import Iterator, NoReturn, Optional

import click
from flask_babel import gettext as _

from pms.core.db import unit_of_work
from pms.core.errors import PmsError


def parse_day(_ctx, _param, value):
    """A click callback: an option's YYYY-MM-DD as a date (None when not given)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("use YYYY-MM-DD")) from None


def row_line(row, field: Optional[str], message: str) -> str:
    """One error line: 'row 3, area: Not a number.', 'row 3: …', 'area: …' or the bare message."""
    if row is None:
        return f"{field}: {message}" if field else message
    if field:
        return _("row %(row)s, %(field)s: %(message)s", row=row, field=field, message=message)
    return _("row %(row)s: %(message)s", row=row, message=message)


def field_lines(fields: dict, *, rows: bool = True) -> list[str]:
    """A PmsError's `fields` ({'lines.2.code': [...], 'password': [...]}) as error lines; a path
    with a number in it names that row ('lines.2.code' → row 2, lines.code). `rows=False` keeps
    paths as they are (a JSON document's 'items.0.kind' is an index, not a row of a file)."""
    lines = []
    for path, messages in fields.items():
        if not rows:
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                lines.append(f"{path}: {message}")
            continue
        parts = str(path).split(".")
        numbers = [p for p in parts if p.isdigit()]
        row = numbers[0] if numbers else None
        field = ".".join(p for p in parts if p != row and p != "_schema") if row else (
            "" if path == "_schema" else str(path))
        for message in messages if isinstance(messages, (list, tuple)) else [messages]:
            lines.append(row_line(row, field or None, str(message)))
    return lines


def echo_error(err: PmsError, prefix: Optional[str] = None, *, rows: bool = True) -> None:
    """The error on stderr: its message (after `prefix: ` when given), then its field lines."""
    click.echo(f"{prefix}: {err.message}" if prefix else err.message, err=True)
    for line in field_lines(err.fields, rows=rows):
        click.echo(f"  {line}", err=True)


def fail(err: PmsError, prefix: Optional[str] = None, *, rows: bool = True) -> NoReturn:
    """Report the error (`echo_error`) and end the command with exit status 1."""
    echo_error(err, prefix, rows=rows)
    sys.exit(1)


@contextlib.contextmanager
def service_errors() -> Iterator[None]:
    """Around a command's service calls: a `PmsError` is reported and the command exits 1."""
    try:
        yield
    except PmsError as err:
        fail(err)


@contextlib.contextmanager
def cli_unit_of_work(**options) -> Iterator:
    """One unit of work (`core.db.unit_of_work`) whose refusals end the command (`service_errors`)."""
    with service_errors(), unit_of_work(**options) as session:
        yield session
