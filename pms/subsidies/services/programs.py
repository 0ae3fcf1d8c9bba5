"""Subsidy programmes: registering one, finding them (unscoped, for fee plans and the catalogue),
and reading them in the caller's scope with their budget, allocated and unallocated totals."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import false, func, select, true

from pms.core import audit
from pms.core.auth import DISTRICT_ROLES, STAFF_ROLES, Principal, system_principal
from pms.core.codes import natural_key
from pms.core.db import is_sqlite, lock_row
from pms.core.errors import Conflict, Invalid, NotFound
from pms.core.sql import InIds
from pms.estates import divisions
from pms.estates.models import District, Estate
from pms.subsidies import permissions
from pms.subsidies.models import PROGRAM_KINDS, Program, ProgramAllocation

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
# Budgets and allocations are BIGINT; beyond 100 billion yuan an amount is a typing mistake.
MAX_FEN = 10**13


def find_program(session, code: str) -> Optional[Program]:
    """A programme by code (unscoped: fee plans and the catalogue name programmes by code)."""
    return session.scalar(select(Program).where(Program.code == code))


def programs_by_code(session, codes) -> dict[str, Program]:
    """The programmes with these codes, by code."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return {p.code: p for p in session.scalars(select(Program).where(Program.code.in_(codes)))}


def _district(session, principal: Principal, district_code: Optional[str], errors: dict) -> Optional[District]:
    """The programme's district: any (the platform names it) or the officer's own."""
    if permissions.may(principal, "program.choose_district"):
        # Any district of the national division codes, before any of its estates is imported.
        district = divisions.district_for(session, district_code or "")
        if district is None:
            errors["district"] = [_("Unknown district %(code)s.", code=district_code or "")]
        return district
    own = session.get(District, principal.district_id) if principal.district_id else None
    if own is None or (district_code and district_code != own.code):
        errors["district"] = [_("Programme officers register programmes of their own district only.")]
        return None
    return own


def create_program(session, code: str, name: str, *, district_code: Optional[str] = None, kind: str,
                   budget_fen: Optional[int] = None, period_from: Optional[date] = None,
                   period_to: Optional[date] = None, unit_fen: Optional[int] = None,
                   percent: Optional[int] = None, actor: Optional[str] = None,
                   principal: Optional[Principal] = None) -> Program:
    """Register a programme of a district; its code is unique. `principal`: who asks (default the
    platform, as for the CLI, jobs and the demo), 403 unless the permission table lets them; an
    officer registers for their own district (`district_code` may be left out).

    What it pays per piece of evidence (models.Program): `unit_fen` per elevator certified (elevator
    programmes only), `percent` of a completed renovation project's contract amount (renovation
    programmes only); both optional here — a claim of such a programme without its rule is refused."""
    principal = principal or system_principal()
    permissions.ensure(principal, "program.create")
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        errors["code"] = [_("1 to 32 letters, digits, '.', '_' or '-'.")]
    if not name or len(name) > 128:
        errors["name"] = [_("A name of 1 to 128 characters is required.")]
    if kind not in PROGRAM_KINDS:
        errors["kind"] = [_("One of: %(kinds)s.", kinds=", ".join(PROGRAM_KINDS))]
    if budget_fen is not None and budget_fen < 0:
        errors["budget_fen"] = [_("Must not be negative.")]
    elif budget_fen is not None and budget_fen > MAX_FEN:
        errors["budget_fen"] = [_("At most %(max)s fen.", max=MAX_FEN)]
    if unit_fen is not None and (kind != "elevator" or not 0 <= unit_fen <= MAX_FEN):
        errors["unit_fen"] = [_("An amount per elevator certified, 0 to %(max)s fen, for elevator programmes only.",
                                max=MAX_FEN)]
    if percent is not None and (kind != "renovation" or not 0 <= percent <= 100):
        errors["percent"] = [_("A whole percent from 0 to 100 of the works' contract amount, for renovation "
                               "programmes only.")]
    if period_from is not None and period_to is not None and period_to < period_from:
        errors["period_to"] = [_("The period cannot end before it starts (%(start)s).", start=period_from.isoformat())]
    district = _district(session, principal, district_code, errors)
    if errors:
        raise Invalid(_("The programme cannot be created."), fields=errors)
    if find_program(session, code) is not None:
        raise Conflict(_("Programme %(code)s already exists.", code=code))
    program = Program(code=code, name=name, district_id=district.id, kind=kind, budget_fen=budget_fen,
                      period_from=period_from, period_to=period_to, unit_fen=unit_fen, percent=percent)
    session.add(program)
    session.flush()
    audit.record(session, actor=actor or principal.username,
                 action="program.create", object_type="program", object_id=program.id,
                 payload={"code": code, "name": name, "district": district.code, "kind": kind,
                          "budget_fen": budget_fen, "period_from": period_from, "period_to": period_to,
                          "unit_fen": unit_fen, "percent": percent})
    return program


# ---- reading in scope ------------------------------------------------------------------------------

def visible(principal: Principal):
    """SQL condition: the programmes `principal` may see. Programmes belong to a district, not an
    estate, so `core.auth.scoped` cannot say it: the platform all; an officer or auditor their
    district's; staff those of the districts their company's estates lie in; anyone else none."""
    if principal.scope.all_estates:
        return true()
    if principal.role in DISTRICT_ROLES:
        return Program.district_id == principal.district_id if principal.district_id else false()
    if principal.role in STAFF_ROLES:
        districts = select(Estate.district_id).where(InIds(Estate.id, principal.scope.estate_ids))
        return Program.district_id.in_(districts.scalar_subquery())
    return false()


def get_program(session, principal: Principal, code: str, *, for_update: bool = False) -> Program:
    """A programme in the caller's scope by code, else 404 (403 for roles without programmes).
    `for_update`: the row is locked until the transaction ends (allocations check the budget)."""
    permissions.ensure(principal, "program.read")
    stmt = select(Program).where(Program.code == (code or ""), visible(principal))
    sqlite = is_sqlite(session)
    if for_update and not sqlite:
        stmt = stmt.with_for_update(of=Program).execution_options(populate_existing=True)
    program = session.scalar(stmt)
    if program is None:
        raise NotFound("program not found")
    if for_update and sqlite:
        lock_row(session, Program, program.id)  # SQLite: the one write lock, then read again
        session.refresh(program)
    return program


def allocated_fen(session, program_id: int) -> int:
    """What the programme's allocations add up to (all of them: the budget is the programme's)."""
    return int(session.scalar(select(func.coalesce(func.sum(ProgramAllocation.amount_fen), 0))
                              .where(ProgramAllocation.program_id == program_id)))


@dataclass
class ProgramSummary:
    code: str
    name: str
    kind: str
    district: str
    district_name: str
    budget_fen: Optional[int]
    allocated_fen: int
    unallocated_fen: Optional[int]  # None: the programme has no budget
    period_from: Optional[date]
    period_to: Optional[date]
    unit_fen: Optional[int] = None  # elevator: paid per elevator certified
    percent: Optional[int] = None  # renovation: % of a completed project's contract amount


def _summary(program: Program, district: District, allocated: int) -> ProgramSummary:
    budget = program.budget_fen
    return ProgramSummary(program.code, program.name, program.kind, district.code, district.name, budget,
                          allocated, None if budget is None else budget - allocated,
                          program.period_from, program.period_to, program.unit_fen, program.percent)


def list_programs(session, principal: Principal) -> list[ProgramSummary]:
    """The programmes in the caller's scope with their totals, in code order (one query)."""
    permissions.ensure(principal, "program.read")
    sums = (select(ProgramAllocation.program_id, func.sum(ProgramAllocation.amount_fen).label("allocated"))
            .group_by(ProgramAllocation.program_id).subquery())
    rows = session.execute(
        select(Program, District, func.coalesce(sums.c.allocated, 0))
        .join(District, District.id == Program.district_id)
        .outerjoin(sums, sums.c.program_id == Program.id)
        .where(visible(principal)))
    return sorted((_summary(p, d, int(a)) for p, d, a in rows), key=lambda s: natural_key(s.code))


def program_summary(session, program: Program) -> ProgramSummary:
    """One programme with its totals."""
    return _summary(program, session.get(District, program.district_id), allocated_fen(session, program.id))
