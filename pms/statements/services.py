"""Statement data: everything a bill's statement shows, as plain JSON-able dicts.

Built set-based (a handful of queries for one bill or for a whole building), so a print run of
an estate costs the same few queries as a single statement. Templates get these dicts, never ORM
objects; worker processes get them pickled, and print runs hash them to detect changed bills.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from pms.billing.models import (Bill, BillingRun, BillLine, FeePlan, JournalEntry, JournalLine, Payment,
                                PaymentAllocation, Receipt)
from pms.billing.rules import Clause, clause_of
from pms.core import clock
from pms.core.auth import Principal, get_in_scope
from pms.core.codes import natural_key
from pms.core.errors import Invalid, NotFound
from pms.core.i18n import translate as _
from pms.core.periods import is_period
from pms.core.sql import InIds
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
    """Whose statements and receipts show owners' names masked (张三 → 张*): everyone's but the
    company's staff (issue 14: a statement may lie on a doormat, and the reader of a room's account
    may be a tenant or a relative, not the owner; an auditor or officer reads the figures)."""
    return not principal.is_staff


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

    room_ids = sorted({room.id for _bill, room, *_rest in rows})
    owners: dict[int, list[str]] = defaultdict(list)
    for room_id, name in session.execute(
            select(Ownership.room_id, Person.name).join(Person, Person.id == Ownership.person_id)
            .where(InIds(Ownership.room_id, room_ids))
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

    snapshots = _snapshots(session, [(bill.id, bill.room_id, bill.issued_at, bill.payable_fen)
                                     for bill, *_rest in rows])
    tz = clock.timezone()
    statements = []
    for bill, room, building, entrance, estate, company, district, street, rate, grace, cap in rows:
        statements.append({
            "number": bill.number, "period": bill.period, "void": bill.status == "void",
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
            "total_fen": bill.total_fen, "subsidy_fen": bill.subsidy_fen, "payable_fen": bill.payable_fen,
            **snapshots[bill.id],
            "late_charge_clause": late_charge_clause(clause_of(rate, grace, cap)),
        })
    statements.sort(key=lambda s: natural_key(s["room"]["code"]))
    return statements


# Ledger movements a statement reconciles (receivable and prepayment of the room), by entry kind.
BALANCE_ACCOUNTS = ("receivable", "prepayment")


def _snapshots(session, bills: list[tuple[int, int, datetime, int]]) -> dict[int, dict[str, Any]]:
    """Each bill's account figures as they stood at the close of its issue day, read from the ledger.

    A statement is a snapshot: downloaded next year it shows what it showed when issued, whatever
    was paid since. So nothing here reads a running total (bill.paid_fen, status): the previous
    balance is the room's receivable less prepayment at the close of the previous statement's issue
    day; then what moved since, by business day and ledger entry kind (payments, reversals, credits,
    bills issued); the balance at issue is their sum, exactly as the ledger has it. Five queries for
    any number of bills (a building's print run reads them once).
    """
    tz = clock.timezone()
    issue_day = {bill_id: issued_at.astimezone(tz).date() for bill_id, _room, issued_at, _p in bills}
    room_ids = sorted({room_id for _bill, room_id, _at, _p in bills})

    # Every bill the rooms ever had: the previous statement of each bill, the bills issued since it.
    history: dict[int, list[tuple[date, str, str, int]]] = defaultdict(list)
    for room_id, issued_at, number, period, payable in session.execute(
            select(Bill.room_id, Bill.issued_at, Bill.number, Bill.period, Bill.payable_fen)
            .where(InIds(Bill.room_id, room_ids))):
        history[room_id].append((issued_at.astimezone(tz).date(), number, period, payable))

    # The rooms' ledger, summed per business day and entry kind (a room has a few dozen such rows).
    moves: dict[int, list[tuple[date, str, str, int]]] = defaultdict(list)
    for room_id, day, kind, account, fen in session.execute(
            select(JournalLine.room_id, JournalEntry.business_date, JournalEntry.kind, JournalLine.account,
                   func.sum(JournalLine.amount_fen))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(InIds(JournalLine.room_id, room_ids),
                   JournalLine.account.in_((*BALANCE_ACCOUNTS, "late_fee_receivable")))
            .group_by(JournalLine.room_id, JournalEntry.business_date, JournalEntry.kind, JournalLine.account)):
        moves[room_id].append((day, kind, account, int(fen)))

    # Payments with their receipts, by the business day of their ledger entry.
    payments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for room_id, day, channel, amount, receipt in session.execute(
            select(Payment.room_id, JournalEntry.business_date, Payment.channel, Payment.amount_fen,
                   Receipt.number)
            .join(JournalEntry, (JournalEntry.source_type == "payment") & (JournalEntry.source_id == Payment.id)
                  & (JournalEntry.kind == "payment"))
            .outerjoin(Receipt, (Receipt.payment_id == Payment.id) & (Receipt.kind == "payment"))
            .where(InIds(Payment.room_id, room_ids))
            .order_by(Payment.received_at, Payment.id)):
        payments[room_id].append({"day": day, "channel": channel, "amount_fen": amount, "receipt": receipt or ""})

    # What was applied to each bill by the close of its issue day (prepayments at issue, payments that day).
    applied: dict[int, int] = defaultdict(int)
    for bill_id, allocated_at, fen in session.execute(
            select(PaymentAllocation.bill_id, PaymentAllocation.allocated_at, PaymentAllocation.amount_fen)
            .where(InIds(PaymentAllocation.bill_id, [b[0] for b in bills]))):
        if allocated_at.astimezone(tz).date() <= issue_day[bill_id]:
            applied[bill_id] += fen

    snapshots = {}
    for bill_id, room_id, _issued_at, payable in bills:
        day = issue_day[bill_id]
        earlier_days = [d for d, *_rest in history[room_id] if d < day]
        since = max(earlier_days) if earlier_days else None
        previous = [(n, p) for d, n, p, _f in history[room_id] if d == since]

        def summed(kinds=None, accounts=BALANCE_ACCOUNTS, after=None, upto=day):
            return sum(fen for d, kind, account, fen in moves[room_id]
                       if account in accounts and (kinds is None or kind in kinds)
                       and (after is None or d > after) and d <= upto)

        opening = summed(upto=since) if since else 0
        paid = -summed(("payment",), after=since)
        reversed_ = summed(("reversal",), after=since)
        credited = -summed(("credit_note",), after=since)
        charged = summed(("bill",), after=since)
        balance = summed()
        # Anything else that moved the balance (a kind added later) is shown, never dropped.
        other = balance - opening + paid - reversed_ + credited - charged
        late = summed(accounts=("late_fee_receivable",))
        outstanding = max(payable - applied[bill_id], 0)
        snapshots[bill_id] = {
            "previous_statement": max(previous, key=lambda np: np[1])[0] if previous else None,
            "previous_issue_date": since.isoformat() if since else None,
            "previous_balance_fen": opening,
            "payments": [{"date": p["day"].isoformat(), "channel": p["channel"], "amount_fen": p["amount_fen"],
                          "receipt": p["receipt"]}
                         for p in payments[room_id] if (since is None or p["day"] > since) and p["day"] <= day],
            "payments_fen": paid, "reversals_fen": reversed_, "credits_fen": credited,
            "charges_fen": charged, "other_fen": other,
            "charged_bills": [{"number": n, "period": p, "payable_fen": f} for d, n, p, f in
                              sorted(history[room_id], key=lambda h: (h[2], h[1]))
                              if (since is None or d > since) and d <= day],
            "balance_fen": balance,
            "late_charges_fen": late,
            "total_due_fen": max(balance, 0) + late,
            "credit_fen": max(-balance, 0),
            "paid_fen": payable - outstanding, "outstanding_fen": outstanding,
        }
    return snapshots


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


def statement_pdf(session, bill: Bill, *, mask_owners: bool = False, issued_by: str = "system") -> bytes:
    """The bill's statement as issued (PDF/A, kept): rendered at the first download, then the same
    file for every later one; a bill voided since gets its own rendition stamped void."""
    from pms.documents import services as documents

    ref = documents.DocumentRef(
        "statement", bill.number, documents.reader_variant("masked" if mask_owners else "",
                                                           "void" if bill.status == "void" else ""),
        company_id=bill.company_id, estate_id=bill.estate_id, room_id=bill.room_id)
    return documents.issued_pdf(
        session, ref, "statements.html",
        lambda: {"statements": [statement_for_bill(session, bill, mask_owners=mask_owners)], "cover": None},
        issued_by=issued_by)
