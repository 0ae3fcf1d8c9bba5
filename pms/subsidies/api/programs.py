"""Subsidies API: programmes and their allocations (contract: CONTRACT.md "Subsidies")."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint

from pms.core.api import load_body
from pms.core.auth import OFFICER, open_to, require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.subsidies import schemas as s
from pms.subsidies.services import allocations, programs

bp = Blueprint("subsidies_api", __name__)
TAG = "subsidies"


@bp.post("/programs")
@open_to(OFFICER)
@documented(summary="Register a programme: an officer of their own district, the platform (admin) of any "
                    "(`district` required); a taken code 409",
            body=s.ProgramCreateSchema, response=s.ProgramSchema, status=201, tag=TAG)
def create_program():
    """A new programme with its budget and period."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ProgramCreateSchema())
    program = programs.create_program(session, data["code"], data["name"], district_code=data["district"],
                                      kind=data["kind"], budget_fen=data["budget_fen"],
                                      period_from=data["period_from"], period_to=data["period_to"],
                                      unit_fen=data["unit_fen"], percent=data["percent"], principal=principal)
    return s.ProgramSchema().dump(programs.program_summary(session, program)), 201


@bp.get("/programs")
@documented(summary="Programmes in your scope with budget, allocated and unallocated totals (officers and "
                    "auditors: their district's; staff: their estates' districts'; residents 403)",
            response=s.ProgramListSchema, tag=TAG)
def list_programs():
    """The programmes in scope."""
    principal, session = require_principal(), get_session()
    return s.ProgramListSchema().dump({"items": programs.list_programs(session, principal)})


@bp.get("/programs/<code>")
@documented(summary="A programme with its totals and its allocations per estate", response=s.ProgramDetailSchema,
            tag=TAG)
def get_program(code):
    """One programme in scope."""
    principal, session = require_principal(), get_session()
    program = programs.get_program(session, principal, code)
    out = asdict(programs.program_summary(session, program))
    out["allocations"] = [{"estate": g.estate, "estate_name": g.estate_name, "amount_fen": g.amount_fen}
                          for g in allocations.allocations_by_estate(session, principal, program)]
    return s.ProgramDetailSchema().dump(out)


@bp.post("/programs/<code>/allocations")
@open_to(OFFICER)
@documented(summary="Allocate part of the budget to an estate of the programme's district (its officer); beyond "
                    "the budget 422 on amount_fen saying what is left; an estate outside the district 422 on estate",
            body=s.ProgramAllocationCreateSchema, response=s.ProgramAllocationSchema, status=201, tag=TAG)
def create_allocation(code):
    """A new allocation (audited)."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ProgramAllocationCreateSchema())
    allocation = allocations.allocate(session, principal, code, data["estate"], data["amount_fen"])
    program = programs.get_program(session, principal, code)
    return s.ProgramAllocationSchema().dump({
        "id": allocation.id, "program": program.code, "estate": data["estate"].strip(),
        "amount_fen": allocation.amount_fen, "created_by": allocation.created_by,
        "created_at": allocation.created_at,
        "unallocated_fen": program.budget_fen - programs.allocated_fen(session, program.id)}), 201
