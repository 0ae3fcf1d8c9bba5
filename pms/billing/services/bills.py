"""Reading what the runs issued: the runs in scope with their totals, and bills with their lines."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select

from pms.billing import permissions
from pms.billing.models import Bill, BillingRun, BillLine
from pms.core.auth import Principal, scoped
from pms.core.errors import Forbidden, NotFound
from pms.estates import services as estates
from pms.estates.models import Estate, Room
from pms.subsidies.models import Program


@dataclass
class RunRow:
    run_id: int
    estate: str
    estate_name: str
    period: str
    fee_plan_id: int
    bills_created: int
    total_fen: int
    subsidy_fen: int
    payable_fen: int
    triggered_by: str
    started_at: datetime
    finished_at: Optional[datetime]


def run_page(session, principal: Principal, *, estate: Optional[Estate] = None, period: Optional[str] = None,
             limit: int = 50, offset: int = 0) -> tuple[list[RunRow], int]:
    """A page of the billing runs in scope, newest period first (then by estate code), and how many
    runs match in all."""
    permissions.ensure(principal, "run.read")
    conditions = []
    if estate is not None:
        conditions.append(BillingRun.estate_id == estate.id)
    if period:
        conditions.append(BillingRun.period == period)
    total = session.scalar(scoped(select(func.count(BillingRun.id)), BillingRun, principal).where(*conditions))
    if offset >= total:
        return [], total
    rows = session.execute(
        scoped(select(BillingRun, Estate.code, Estate.name).join(Estate, Estate.id == BillingRun.estate_id),
               BillingRun, principal)
        .where(*conditions).order_by(BillingRun.period.desc(), Estate.code, BillingRun.id)
        .limit(limit).offset(offset)).all()
    return [RunRow(run_id=r.id, estate=code, estate_name=name, period=r.period, fee_plan_id=r.fee_plan_id,
                   bills_created=r.bills_created, total_fen=r.total_fen, subsidy_fen=r.subsidy_fen,
                   payable_fen=r.payable_fen, triggered_by=r.triggered_by, started_at=r.started_at,
                   finished_at=r.finished_at) for r, code, name in rows], total


@dataclass
class LineView:
    code: str
    name: str
    kind: str
    amount_fen: int
    subsidy_fen: int
    payable_fen: int
    program: Optional[str]
    basis: dict


@dataclass
class BillView:
    number: str
    room: str
    estate: str
    period: str
    due_date: date
    status: str
    total_fen: int
    subsidy_fen: int
    payable_fen: int
    paid_fen: int
    waived_fen: int
    issued_at: datetime
    lines: list[LineView]


def _bill_views(session, rows) -> list[BillView]:
    bills = {bill.id: (bill, room_code, estate_code) for bill, room_code, estate_code in rows}
    lines: dict[int, list[LineView]] = {bill_id: [] for bill_id in bills}
    ids = sorted(bills)
    for start in range(0, len(ids), 500):
        for line, program in session.execute(
                select(BillLine, Program.code).outerjoin(Program, Program.id == BillLine.program_id)
                .where(BillLine.bill_id.in_(ids[start:start + 500])).order_by(BillLine.id)):
            lines[line.bill_id].append(LineView(
                code=line.item_code, name=line.item_name, kind=line.kind, amount_fen=line.amount_fen,
                subsidy_fen=line.subsidy_fen, payable_fen=line.amount_fen - line.subsidy_fen,
                program=program, basis=json.loads(line.basis or "{}")))
    return [BillView(number=b.number, room=room, estate=estate, period=b.period, due_date=b.due_date,
                     status=b.status, total_fen=b.total_fen, subsidy_fen=b.subsidy_fen,
                     payable_fen=b.payable_fen, paid_fen=b.paid_fen, waived_fen=b.waived_fen,
                     issued_at=b.issued_at, lines=lines[b.id])
            for b, room, estate in rows]


def _bill_query():
    return (select(Bill, Room.code, Estate.code).join(Room, Room.id == Bill.room_id)
            .join(Estate, Estate.id == Bill.estate_id))


def bills_of_rooms(session, principal: Principal, rooms: list[Room], *, limit: int = 120) -> list[BillView]:
    """The rooms' bills (newest period first) for a caller who may read bills."""
    permissions.ensure(principal, "bill.read")
    if not rooms:
        return []
    stmt = scoped(_bill_query().where(Bill.room_id.in_([r.id for r in rooms])), Bill, principal)
    rows = session.execute(stmt.order_by(Bill.period.desc(), Bill.number.desc()).limit(limit)).all()
    return _bill_views(session, rows)


def get_bill(session, principal: Principal, number: str) -> BillView:
    """One bill in scope by number (404 outside scope, 403 for roles without billing access)."""
    rows = session.execute(scoped(_bill_query().where(Bill.number == number), Bill, principal)).all()
    if not rows:
        raise NotFound(_("bill not found"))
    permissions.ensure(principal, "bill.read")
    return _bill_views(session, rows)[0]


def bills_of_own_rooms(session, principal: Principal, *, rooms: int = 50) -> list[BillView]:
    """A resident's bills for all their rooms (403 for every other role, admin too)."""
    if not permissions.has_own_rooms(principal):
        raise Forbidden(_("This page is for residents."))
    own, _total = estates.list_rooms(session, principal, limit=rooms)
    return bills_of_rooms(session, principal, own)
