"""`pms documents verify FILE...`: which issued document each file is and whether it is unaltered."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from pms.core.auth import system_principal
from pms.core.cli import cli_unit_of_work
from pms.documents import services

group = click.Group("documents", help="Issued documents (statements, receipts, notices, reports) in the archive.")


@group.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(files):
    """Check files against the archive; exit 1 unless every file is a genuine issued document."""
    all_ok = True
    with cli_unit_of_work() as session:
        for path in files:
            result = services.describe(session, services.verify(session, system_principal(), path.read_bytes()))
            click.echo(f"{path}: {result['status']}: {result['message']}")
            click.echo(f"  sha256 {result['sha256']}")
            all_ok = all_ok and result["ok"]
    sys.exit(0 if all_ok else 1)
