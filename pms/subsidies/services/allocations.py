"""Allocations: part of a programme's budget set aside for one estate of its district.

The budget rule is read-then-write (sum the allocations, compare, insert), so it runs under the
programme row's lock (`programs.get_program(for_update=True)`: SELECT … FOR UPDATE on PostgreSQL,
SQLite's one write lock): two allocations that each fit but together exceed the budget never both
land (tests/subsidies/test_concurrency.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit
from pms.core.auth import Principal, scoped
from pms.core.codes import natural_key
from pms.core.errors import Invalid
from pms.core.money import format_fen
from pms.estates.models import Estate
from pms.subsidies import permissions
from pms.subsidies.models import Program, ProgramAllocation
from pms.subsidies.services.programs import MAX_FEN, allocated_fen, get_program


def _estate_of_district(session, principal: Principal, program: Program, code: str) -> Estate:
    """The estate `code` of the programme's district in the caller's scope, else 422 on `estate`:
    one message for an unknown estate and one outside the district (never telling which)."""
    estate = session.scalar(scoped(select(Estate).where(Estate.code == (code or "").strip(),
                                                        Estate.district_id == program.district_id),
                                   Estate, principal))
    if estate is None:
        raise Invalid(_("The allocation cannot be made."),
                      fields={"estate": [_("No estate %(code)s in the programme's district.", code=code)]})
    return estate


def allocate(session, principal: Principal, program_code: str, estate_code: str, amount_fen: int) -> ProgramAllocation:
    """Set `amount_fen` of the programme's budget aside for an estate of its district; 422 on
    `amount_fen` (saying what is left) when the allocations would pass the budget. Audited."""
    program = get_program(session, principal, program_code)  # 403 without programmes, 404 outside scope
    permissions.ensure(principal, "allocation.create")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not 0 < amount_fen <= MAX_FEN:
        raise Invalid(_("The allocation cannot be made."),
                      fields={"amount_fen": [_("A whole number of fen from 1 to %(max)s.", max=MAX_FEN)]})
    estate = _estate_of_district(session, principal, program, estate_code)
    program = get_program(session, principal, program_code, for_update=True)  # fresh, locked
    if program.budget_fen is None:
        raise Invalid(_("The allocation cannot be made."),
                      fields={"amount_fen": [_("Programme %(code)s has no budget to allocate from.",
                                               code=program.code)]})
    left = program.budget_fen - allocated_fen(session, program.id)
    if amount_fen > left:
        raise Invalid(_("The allocation cannot be made."), fields={"amount_fen": [
            _("Above the budget: %(left)s fen (%(yuan)s) left to allocate.", left=max(left, 0),
              yuan=format_fen(max(left, 0)))]})
    allocation = ProgramAllocation(program_id=program.id, estate_id=estate.id, amount_fen=amount_fen,
                                   created_by=principal.username)
    session.add(allocation)
    session.flush()
    audit.record(session, actor=principal.username, action="program.allocate", object_type="program_allocation",
                 object_id=allocation.id, estate_id=estate.id,
                 payload={"program": program.code, "estate": estate.code, "amount_fen": amount_fen,
                          "left_fen": left - amount_fen})
    return allocation


@dataclass
class AllocationRow:
    id: int
    amount_fen: int
    created_by: str
    created_at: datetime


@dataclass
class EstateAllocations:
    estate: str
    estate_name: str
    amount_fen: int = 0
    items: list[AllocationRow] = field(default_factory=list)


def allocations_by_estate(session, principal: Principal, program: Program) -> list[EstateAllocations]:
    """The programme's allocations the caller may see (staff: their estates'), per estate in code
    order with each estate's total; the allocations of an estate oldest first."""
    rows = session.execute(scoped(
        select(ProgramAllocation, Estate.code, Estate.name).join(Estate, Estate.id == ProgramAllocation.estate_id)
        .where(ProgramAllocation.program_id == program.id)
        .order_by(ProgramAllocation.created_at, ProgramAllocation.id), ProgramAllocation, principal))
    by_estate: dict[str, EstateAllocations] = {}
    for allocation, code, name in rows:
        group = by_estate.setdefault(code, EstateAllocations(code, name))
        group.amount_fen += allocation.amount_fen
        group.items.append(AllocationRow(allocation.id, allocation.amount_fen, allocation.created_by,
                                         allocation.created_at))
    return sorted(by_estate.values(), key=lambda g: natural_key(g.estate))
