"""Arrears notices (催缴通知书): finance prints one per room in arrears for an estate or a building,
each listing the overdue bills (amount, days overdue) and the contract's late-charge clause as the
fee plan says it (or that there is none), and records a written demand (method `notice`) per room
— which restarts the 3-year limitation clock (民法典 Art. 195).

Printing again on the same day records no second demand for a room (its notice number is the same).
A notice never threatens to cut water, power, heating or gas: cutting them over property fees is
unlawful, and `tests/statements/test_notices.py` reads every notice template for such words.
"""
from __future__ import annotations

import hashlib
import json

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import select

from pms.billing import permissions as billing_permissions
from pms.billing.models import Bill, BillingRun, Demand, FeePlan
from pms.billing.rules import clause_of
from pms.billing.services import arrears
from pms.core import audit, clock
from pms.core.errors import Conflict
from pms.core.i18n import translate as _
from pms.core.money import format_fen
from pms.core.auth import Principal
from pms.core.sql import InIds
from pms.estates.models import Company, Estate, Room
from pms.statements.services import late_charge_clause

METHOD = "notice"


@dataclass
class NoticeBill:
    number: str
    period: str
    due_date: date
    days_overdue: int
    outstanding_fen: int


@dataclass
class Notice:
    number: str
    room: str
    building: str
    owners: str
    bills: list[NoticeBill] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(b.outstanding_fen for b in self.bills)


def notice_number(day: date, room_code: str) -> str:
    """CJ-20260402-YJL-3-2-501: the day and the room (a reprint the same day is the same notice)."""
    return f"CJ-{day:%Y%m%d}-{room_code}"


def plan_notices(session, principal: Principal, estate_code: str, *,
                 building: Optional[str] = None) -> tuple[Estate, list[Notice]]:
    """The notices of today: one per room with overdue bills, in room order."""
    report = arrears.list_arrears(session, principal, estate_code, building=building)
    billing_permissions.ensure(principal, "demand.record")
    estate = session.scalar(select(Estate).where(Estate.code == report.estate_code))
    numbers = [n for row in report.rows for n in row.bill_numbers]
    # Each overdue bill with its plan's late-charge clause, in one query.
    bills = {number: (period, due, outstanding, late_charge_clause(clause_of(rate, grace, cap)))
             for number, period, due, outstanding, rate, grace, cap in session.execute(
                 select(Bill.number, Bill.period, Bill.due_date, Bill.payable_fen - Bill.waived_fen - Bill.paid_fen,
                        FeePlan.late_fee_daily_rate_per_10k, FeePlan.late_fee_grace_days, FeePlan.late_fee_cap_percent)
                 .outerjoin(BillingRun, BillingRun.id == Bill.billing_run_id)
                 .outerjoin(FeePlan, FeePlan.id == BillingRun.fee_plan_id)
                 .where(Bill.estate_id == estate.id, Bill.number.in_(numbers)))} if numbers else {}
    today = report.as_of
    notices = []
    for row in sorted(report.rows, key=lambda r: r.room):
        notice = Notice(notice_number(today, row.room), row.room, row.building, row.owners)
        for number in row.bill_numbers:
            period, due, outstanding, clause = bills[number]
            notice.bills.append(NoticeBill(number, period, due, (today - due).days, outstanding))
            if clause not in notice.clauses:
                notice.clauses.append(clause)
        notices.append(notice)
    return estate, notices


def buildings_in_arrears(session, estate_code: str) -> list[str]:
    """The estate's buildings with a bill overdue today, in natural order (the CLI's print run)."""
    from pms.core.codes import natural_key
    from pms.estates.models import Building

    today = clock.today()
    codes = session.scalars(
        select(Building.code).distinct().join(Room, Room.building_id == Building.id)
        .join(Bill, Bill.room_id == Room.id).join(Estate, Estate.id == Bill.estate_id)
        .where(Estate.code == estate_code, Bill.status == "open", Bill.due_date < today,
               Bill.payable_fen - Bill.waived_fen - Bill.paid_fen > 0))
    return sorted(codes, key=natural_key)


def issue_notices(session, principal: Principal, estate_code: str, *,
                  building: Optional[str] = None) -> tuple[dict[str, Any], int]:
    """Record today's demand of each room in arrears (none twice a day) and return what the PDF
    shows and how many demands were new. Nobody in arrears → 409."""
    estate, notices = plan_notices(session, principal, estate_code, building=building)
    if not notices:
        raise Conflict(_("Nobody in %(place)s owes anything overdue: there is no notice to print.",
                         place=f"{estate.code}-{building}" if building else estate.code))
    recorded = record_demands(session, principal, estate, notices, building=building)
    company = session.get(Company, estate.company_id)
    return {"company": company.name, "company_id": company.id, "estate_id": estate.id,
            "estate": {"code": estate.code, "name": estate.name}, "day": clock.today(),
            "building": building, "notices": notices,
            "total_text": format_fen(sum(n.total_fen for n in notices))}, recorded


def record_demands(session, principal: Principal, estate: Estate, notices: list[Notice], *,
                   building: Optional[str] = None) -> int:
    """Today's written demand of each notice's room, none twice a day (flush only), and the audit
    entry; how many demands were new. Print runs call it after the building's PDF is in place."""
    today = clock.today()
    rooms = dict(session.execute(select(Room.code, Room.id).where(Room.estate_id == estate.id,
                                                                   Room.code.in_([n.room for n in notices]))).all())
    already = set(session.scalars(select(Demand.room_id).where(
        InIds(Demand.room_id, list(rooms.values())), Demand.demanded_on == today, Demand.method == METHOD)))
    recorded = 0
    for notice in notices:
        if rooms[notice.room] not in already:
            session.add(Demand(estate_id=estate.id, room_id=rooms[notice.room], demanded_on=today, method=METHOD,
                               note=notice.number, recorded_by=principal.username))
            recorded += 1
    session.flush()
    audit.record(session, actor=principal.username, action="arrears.notices", object_type="estate",
                 object_id=estate.code, estate_id=estate.id,
                 payload={"building": building, "notices": len(notices), "demands": recorded,
                          "outstanding_fen": sum(n.total_fen for n in notices)})
    return recorded


def notices_pdf(session, data: dict[str, Any], *, issued_by: str = "system") -> bytes:
    """One A4 page per notice, in room order; issued (PDF/A, kept) once per day, place and content:
    a reprint of the same notices the same day is the kept file, a payment meanwhile a new one."""
    from pms.documents import services as documents

    return documents.issued_pdf(session, notice_ref(data), "arrears_notice.html", lambda: {"d": data},
                                issued_by=issued_by)


def notice_ref(data: dict[str, Any], locale: Optional[str] = None):
    """The notices' document: their run number, the reader's (or the given) language."""
    from pms.documents import services as documents

    return documents.DocumentRef("arrears_notice", run_number(data),
                                 documents.variant(locale) if locale else documents.reader_variant(),
                                 company_id=data["company_id"], estate_id=data["estate_id"])


def run_number(data: dict[str, Any]) -> str:
    """`CJ-<day>-<ESTATE>[-<BUILDING>]-<digest>`: the notices' day, place and what they demand."""
    content = json.dumps([[n.number, [[b.number, b.outstanding_fen] for b in n.bills]] for n in data["notices"]],
                         separators=(",", ":"))
    place = f"{data['estate']['code']}-{data['building']}" if data["building"] else data["estate"]["code"]
    return f"CJ-{data['day']:%Y%m%d}-{place}-{hashlib.sha256(content.encode()).hexdigest()[:10]}"


def file_name(data: dict[str, Any]) -> str:
    building = f"-{data['building']}" if data["building"] else ""
    return f"notices-{data['estate']['code']}{building}-{data['day']:%Y%m%d}.pdf"
