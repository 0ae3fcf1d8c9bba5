"""`pms programs …`: the subsidy-programme registry."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from pms.core.api import load_data
from pms.core.auth import system_principal
from pms.core.cli import cli_unit_of_work
from pms.core.money import format_fen
from pms.subsidies.models import PROGRAM_KINDS, ClaimLine


@click.group("programs", cls=AppGroup)
def group():
    """Subsidy programmes that pay part of households' fees."""


@group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--district", "district_code", required=True, help="6-digit district code")
@click.option("--kind", required=True, type=click.Choice(PROGRAM_KINDS))
@click.option("--budget-fen", type=int, default=None, help="budget in fen (optional)")
@click.option("--unit-fen", type=int, default=None, help="elevator programmes: fen per elevator certified")
@click.option("--percent", type=int, default=None, help="renovation programmes: % of the works' contract amount")
def create(code, name, district_code, kind, budget_fen, unit_fen, percent):
    """Register a subsidy programme of a district."""
    from pms.subsidies import services

    with cli_unit_of_work() as session:
        program = services.create_program(session, code, name, district_code=district_code,
                                          kind=kind, budget_fen=budget_fen, unit_fen=unit_fen,
                                          percent=percent, actor="cli",
                                          principal=system_principal())
        program_id = program.id
    click.echo(_("programme %(code)s created (id %(id)s)", code=code, id=program_id))


@group.command("allocate")
@click.argument("code")
@click.option("--estate", "estate_code", required=True, help="estate code of the programme's district")
@click.option("--amount-fen", type=int, required=True, help="amount in fen (> 0)")
def allocate(code, estate_code, amount_fen):
    """Set part of a programme's budget aside for an estate (as the platform)."""
    from pms.subsidies.services import allocations, programs

    with cli_unit_of_work() as session:
        principal = system_principal()
        allocation = allocations.allocate(session, principal, code, estate_code, amount_fen)
        program = programs.get_program(session, principal, code)
        allocation_id, left = allocation.id, program.budget_fen - programs.allocated_fen(session, program.id)
    click.echo(_("allocation %(id)s: %(amount)s fen of %(code)s to %(estate)s; %(left)s fen left",
                 id=allocation_id, amount=amount_fen, code=code, estate=estate_code, left=left))


@click.group("claims", cls=AppGroup)
def claims_group():
    """Subsidy claims built from evidence."""


@claims_group.command("build")
@click.option("--program", required=True, help="programme code")
@click.option("--estate", "estates", multiple=True,
              help="estate code (repeatable); omitted: every estate of the programme's district with evidence")
@click.option("--period", required=True, help="billing period YYYY-MM (closed and billed)")
def build_claim(program, estates, period):
    """Build draft claims from the period's evidence not yet claimed: one estate's, or the district's."""
    from pms.subsidies.schemas import ClaimBatchCreateSchema, ClaimCreateSchema
    from pms.subsidies.services import claims

    with cli_unit_of_work() as session:
        if len(estates) == 1:
            data = load_data(ClaimCreateSchema(), {"program": program, "estate": estates[0], "period": period})
            built = [claims.build_claim(session, system_principal(), **data)]
        else:
            data = load_data(ClaimBatchCreateSchema(), {"program": program, "period": period,
                                                        **({"estates": list(estates)} if estates else {})})
            built = claims.build_claims(session, system_principal(), program=data["program"], period=data["period"],
                                        estates=data["estates"])
        done = [(c.id, session.scalar(select(func.count(ClaimLine.id)).where(ClaimLine.claim_id == c.id)),
                 c.total_fen) for c in built]
    for claim_id, lines, total in done:
        click.echo(_("claim #%(id)s built: %(lines)s lines, %(total)s", id=claim_id, lines=lines,
                     total=format_fen(total)))
    if len(done) > 1:
        click.echo(_("%(claims)s claims, %(lines)s lines, %(total)s", claims=len(done),
                     lines=sum(n for _i, n, _t in done), total=format_fen(sum(t for _i, _n, t in done))))


@claims_group.command("submit")
@click.argument("claim_id", type=int)
def submit_claim(claim_id):
    """Submit a draft claim: its lines are frozen."""
    from pms.subsidies.services import claims

    with cli_unit_of_work() as session:
        claims.submit_claim(session, system_principal(), claim_id)
    click.echo(_("claim #%(id)s submitted", id=claim_id))


commands = [group, claims_group]
