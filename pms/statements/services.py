"""Statement data: everything a bill's statement shows, as plain JSON-able dicts.

Built set-based (a handful of queries for one bill or for a whole building), so a print run of
an estate costs the same few queries as a single statement. Templates get these dicts, never ORM
objects; worker processes get them pickled, and print runs hash them to detect changed bills.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from pms.billing.models import Bill, BillingRun, BillLine, FeePlan
from pms.billing.rules import Clause, clause_of
from pms.core import clock
from pms.core.auth import RESIDENT, Principal, get_in_scope
from pms.core.codes import natural_key
from pms.core.errors import Invalid, NotFound
from pms.core.i18n import translate as _
from pms.core.periods import is_period
from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person,
                                Room, Street)
from pms.estates.rules import mask_name
from pms.statements import permissions
from pms.subsidies.models import Program


def get_statement_bill(session, principal: Principal, number: str) -> Bill:
    """The bill whose statement the caller asks for: 404 outside scope, 403 for non-billing roles."""
    bill = get_in_scope(session, Bill, Bill.number == number, principal=principal)
    permissions.ensure(principal, "statement.read")
    return bill


def owners_masked_for(principal: Principal) -> bool:
    """Whose statements show owners' names masked: everyone's but the company's staff and the
    room's own residents (an auditor or officer reads the figures, not who lives there)."""
    return not (principal.is_staff or principal.role == RESIDENT)


def statement_for_bill(session, bill: Bill, *, mask_owners: bool = False) -> dict[str, Any]:
    """The statement data of one bill."""
    return _collect(session, select(Bill.id).where(Bill.id == bill.id), mask_owners=mask_owners)[0]


def find_estate(session, code: str) -> Estate:
    """An estate by code for print runs (CLI: the platform's own scope)."""
    estate = session.scalar(select(Estate).where(Estate.code == code))
    if estate is None:
        raise NotFound(_("unknown estate %(code)s", code=repr(code)))
    return estate


def building_statements(session, estate: Estate, period: str,
                        building: Optional[str] = None) -> dict[str, list[dict[str, Any]]]:
    """Statement data of an estate's bills of `period`, per building code, in room-code order."""
    if not is_period(period):
        raise Invalid("not a period", fields={"period": ["use YYYY-MM"]})
    ids = (select(Bill.id).join(Room, Room.id == Bill.room_id)
           .where(Bill.estate_id == estate.id, Bill.period == period, Bill.status != "void"))
    if building is not None:
        ids = ids.join(Building, Building.id == Room.building_id).where(Building.code == building)
    by_building: dict[str, list[dict]] = defaultdict(list)
    # Printed for the mailboxes and stairwells: owners' names masked.
    for statement in _collect(session, ids, mask_owners=True):
        by_building[statement["room"]["building"]].append(statement)
    return {code: by_building[code] for code in sorted(by_building, key=natural_key)}


def building_summary(estate_code: str, period: str, building: str,
                     statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The cover page of a building's print: how many statements and what they add up to."""
    return {
        "estate_code": estate_code, "estate_name": statements[0]["estate"]["name"] if statements else "",
        "company_name": statements[0]["company"]["name"] if statements else "",
        "period": period, "building": building, "statements": len(statements),
        "first_room": statements[0]["room"]["code"] if statements else "",
        "last_room": statements[-1]["room"]["code"] if statements else "",
        "total_fen": sum(s["total_fen"] for s in statements),
        "subsidy_fen": sum(s["subsidy_fen"] for s in statements),
        "payable_fen": sum(s["payable_fen"] for s in statements),
        "paid_fen": sum(s["paid_fen"] for s in statements),
        "outstanding_fen": sum(s["outstanding_fen"] for s in statements),
    }


def late_charge_clause(clause: Optional[Clause]) -> str:
    """The late-charge clause as the contract has it: rate per day, grace days, cap — or none."""
    if clause is None or clause.daily_rate_per_10k == 0:
        return _("The property service contract provides for no late charge.")
    if clause.cap_percent is None:
        return _("Under the property service contract, a late charge of %(rate)s per 10,000 of the amount "
                 "overdue is added per day, starting on day %(day)s after the due date.",
                 rate=clause.daily_rate_per_10k, day=clause.grace_days + 1)
    return _("Under the property service contract, a late charge of %(rate)s per 10,000 of the amount overdue "
             "is added per day, starting on day %(day)s after the due date, at most %(cap)s %% of the amount.",
             rate=clause.daily_rate_per_10k, day=clause.grace_days + 1, cap=clause.cap_percent)


def _collect(session, bill_ids: Select, *, mask_owners: bool = False) -> list[dict[str, Any]]:
    """Statement dicts for the bills whose ids `bill_ids` selects, in room-code order (owners'
    names masked when the paper leaves the office or a reader from outside the company reads it)."""
    ids = bill_ids.subquery()
    bill_id_in = Bill.id.in_(select(ids.c.id))
    # The rooms of those bills (an alias: the arrears query below selects from Bill itself).
    target = aliased(Bill)
    room_ids = select(target.room_id).where(target.id.in_(select(ids.c.id)))
    rows = session.execute(
        select(Bill, Room, Building.code, Entrance.code, Estate, Company, District.name, Street.name,
               FeePlan.late_fee_daily_rate_per_10k, FeePlan.late_fee_grace_days, FeePlan.late_fee_cap_percent)
        .join(Room, Room.id == Bill.room_id)
        .outerjoin(BillingRun, BillingRun.id == Bill.billing_run_id)
        .outerjoin(FeePlan, FeePlan.id == BillingRun.fee_plan_id)
        .join(Building, Building.id == Room.building_id)
        .join(Entrance, Entrance.id == Room.entrance_id)
        .join(Estate, Estate.id == Bill.estate_id)
        .join(Company, Company.id == Estate.company_id)
        .join(District, District.id == Estate.district_id)
        .outerjoin(Street, Street.id == Estate.street_id)
        .where(bill_id_in)).all()
    if not rows:
        return []

    owners: dict[int, list[str]] = defaultdict(list)
    for room_id, name in session.execute(
            select(Ownership.room_id, Person.name).join(Person, Person.id == Ownership.person_id)
            .where(Ownership.room_id.in_(room_ids))
            .order_by(Ownership.room_id, Ownership.id)):
        owners[room_id].append(mask_name(name) if mask_owners else name)

    lines: dict[int, list[dict]] = defaultdict(list)
    for line, program_name in session.execute(
            select(BillLine, Program.name).outerjoin(Program, Program.id == BillLine.program_id)
            .where(BillLine.bill_id.in_(select(ids.c.id)))
            .order_by(BillLine.bill_id, BillLine.id)):
        lines[line.bill_id].append({
            "code": line.item_code, "name": line.item_name, "kind": line.kind,
            "amount_fen": line.amount_fen, "subsidy_fen": line.subsidy_fen,
            "payable_fen": line.amount_fen - line.subsidy_fen, "program": program_name,
            "basis": _basis(line.basis),
        })

    # Earlier arrears: the same rooms' open bills of earlier periods, still owing something.
    older: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for room_id, period, outstanding in session.execute(
            select(Bill.room_id, Bill.period, Bill.payable_fen - Bill.paid_fen - Bill.waived_fen)
            .where(Bill.room_id.in_(room_ids), Bill.status == "open",
                   Bill.payable_fen - Bill.paid_fen - Bill.waived_fen > 0)):
        older[room_id].append((period, outstanding))

    tz = clock.timezone()
    statements = []
    for bill, room, building, entrance, estate, company, district, street, rate, grace, cap in rows:
        earlier = [amount for period, amount in older[room.id] if period < bill.period]
        outstanding = bill.payable_fen - bill.paid_fen - bill.waived_fen
        statements.append({
            "number": bill.number, "period": bill.period, "status": bill.status,
            "issue_date": bill.issued_at.astimezone(tz).date().isoformat(),
            "due_date": bill.due_date.isoformat(),
            "company": {"code": company.code, "name": company.name},
            "estate": {"code": estate.code, "name": estate.name},
            "district": district, "street": street or "",
            "room": {"code": room.code, "building": building, "entrance": entrance,
                     "number": room.number, "floor": room.floor,
                     "area_centi_m2": room.area_centi_m2, "usage": room.usage},
            "owners": owners.get(room.id, []),
            "lines": lines.get(bill.id, []),
            "total_fen": bill.total_fen, "subsidy_fen": bill.subsidy_fen,
            "payable_fen": bill.payable_fen, "paid_fen": bill.paid_fen,
            "waived_fen": bill.waived_fen, "outstanding_fen": outstanding,
            "earlier_arrears_fen": sum(earlier), "earlier_open_bills": len(earlier),
            "total_due_fen": outstanding + sum(earlier),
            "late_charge_clause": late_charge_clause(clause_of(rate, grace, cap)),
        })
    statements.sort(key=lambda s: natural_key(s["room"]["code"]))
    return statements


def _basis(text: Optional[str]) -> dict[str, Any]:
    """The line's basis JSON as a dict (an unreadable basis is shown as none, not an error)."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}



def may_print(principal: Principal) -> bool:
    """Whether the caller gets the building print button (finance, managers)."""
    return permissions.may(principal, "statement.print")


def get_print_estate(session, principal: Principal, code: str) -> Estate:
    """The estate whose statements the caller prints: 404 outside scope, 403 unless finance or manager."""
    estate = get_in_scope(session, Estate, Estate.code == code, principal=principal)
    permissions.ensure(principal, "statement.print")
    return estate


def building_print(session, estate: Estate, period: str, building: str) -> dict[str, Any]:
    """What a building's print holds: its statements of `period` and the cover that counts and sums
    them (the preview shows the cover, the PDF prints both: one computation for both)."""
    statements = building_statements(session, estate, period, building).get(building, [])
    if not statements:
        raise Invalid(_("No bills to print."), fields={"building": [
            _("Building %(building)s has no bills in %(period)s.", building=building, period=period)]})
    return {"statements": statements, "cover": building_summary(estate.code, period, building, statements)}


def building_print_pdf(print_data: dict[str, Any]) -> bytes:
    """The building's statements as one print-ready PDF (cover page first)."""
    from pms.core.pdf import render_pdf

    return render_pdf("statements.html", print_data)


def statement_pdf(session, bill: Bill, *, mask_owners: bool = False) -> bytes:
    """The bill's statement as PDF bytes."""
    from pms.core.pdf import render_pdf

    return render_pdf("statements.html", {"statements": [statement_for_bill(session, bill, mask_owners=mask_owners)],
                                          "cover": None})
