"""Arrears (欠费) per estate and building, the 3-year limitation flag, demands (催缴), exports.

The list is set-based: one aggregate query for the overdue bills (with what was paid by the day),
one for each room's last payment, one for its last demand, one for its owners. Exports never
carry ID numbers; phones are masked for auditors (条例 Art. 65).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import func, select

from pms.billing import permissions
from pms.billing.rules import AGING_BUCKETS, aging_bucket, limitation_flag
from pms.billing.services.accounts import get_room_for_billing
from pms.billing.services.late_fees import business_day
from pms.billing.models import Bill, Demand, Payment, PaymentAllocation, PaymentReversal
from pms.billing.models.payments import DEMAND_METHODS
from pms.core.clock import start_of_day_utc
from pms.core.i18n import translate as _
from pms.core.auth import Principal
from pms.core.errors import Invalid
from pms.core.money import format_fen
from pms.core.clock import today
from pms.estates import services as estates
from pms.estates.models import Building, Estate, Ownership, Person, Room

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ArrearsRow:
    room: str
    building: str
    owners: str
    phones: str
    bills: int
    outstanding_fen: int
    days_overdue: int  # of the oldest overdue bill
    aging: str  # bucket of the oldest overdue bill
    aging_fen: dict[str, int]
    last_payment_on: Optional[date]
    last_demand_on: Optional[date]
    limitation_flag: bool  # at least one bill is past the 3-year limitation
    limitation_fen: int
    oldest_period: str
    bill_numbers: list[str] = field(default_factory=list)


@dataclass
class ArrearsReport:
    estate_code: str
    estate_name: str
    building: Optional[str]
    as_of: date
    rows: list[ArrearsRow]
    aging: dict[str, int]
    outstanding_fen: int
    rooms: int
    limitation_rooms: int


def get_estate_for_arrears(session, principal: Principal, estate_code: str) -> Estate:
    estate = estates.get_estate(session, principal, estate_code)
    permissions.ensure(principal, "arrears.read")
    return estate


def list_arrears(session, principal: Principal, estate_code: str, *, building: Optional[str] = None,
                 as_of: Optional[date] = None) -> ArrearsReport:
    """Rooms of an estate (optionally one building) with overdue bills as of a day."""
    estate = get_estate_for_arrears(session, principal, estate_code)
    as_of = as_of or today()
    bound = start_of_day_utc(as_of + timedelta(days=1))
    if as_of >= today():
        paid = Bill.paid_fen  # nothing is allocated after today: the running total is the truth
        stmt = select(Bill.id, Bill.number, Bill.period, Bill.due_date, Bill.room_id,
                      Bill.payable_fen - Bill.waived_fen - paid)
    else:
        sums = (select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount_fen).label("fen"))
                .where(PaymentAllocation.estate_id == estate.id, PaymentAllocation.allocated_at < bound)
                .group_by(PaymentAllocation.bill_id).subquery())
        paid = func.coalesce(sums.c.fen, 0)
        stmt = (select(Bill.id, Bill.number, Bill.period, Bill.due_date, Bill.room_id,
                       Bill.payable_fen - Bill.waived_fen - paid)
                .outerjoin(sums, sums.c.bill_id == Bill.id))
    stmt = (stmt.join(Room, Room.id == Bill.room_id).join(Building, Building.id == Room.building_id)
            .add_columns(Room.code, Building.code)
            .where(Bill.estate_id == estate.id, Bill.status != "void", Bill.issued_at < bound,
                   Bill.due_date < as_of, Bill.payable_fen - Bill.waived_fen - paid > 0)
            .order_by(Room.code, Bill.period, Bill.number))
    if building:
        stmt = stmt.where(Building.code == building)
    bills = session.execute(stmt).all()

    last_payment = {room_id: business_day(at) for room_id, at in session.execute(
        select(Payment.room_id, func.max(Payment.received_at))
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.estate_id == estate.id, Payment.received_at < bound,
               (PaymentReversal.id.is_(None)) | (PaymentReversal.reversed_at >= bound))
        .group_by(Payment.room_id))}
    last_demand = dict(session.execute(
        select(Demand.room_id, func.max(Demand.demanded_on))
        .where(Demand.estate_id == estate.id, Demand.demanded_on <= as_of).group_by(Demand.room_id)).all())
    room_ids = {b[4] for b in bills}
    owners: dict[int, list[tuple[str, str]]] = {}
    if room_ids:
        for room_id, name, phone in session.execute(
                select(Ownership.room_id, Person.name, Person.phone)
                .join(Person, Person.id == Ownership.person_id)
                .where(Ownership.estate_id == estate.id).order_by(Person.name)):
            if room_id in room_ids:
                owners.setdefault(room_id, []).append((name, phone or ""))
    mask = estates.phones_masked(principal)

    rows: dict[int, ArrearsRow] = {}
    for _bill_id, number, period, due, room_id, outstanding, room_code, building_code in bills:
        days = (as_of - due).days
        flagged = limitation_flag(due, last_payment.get(room_id), last_demand.get(room_id), as_of)
        row = rows.get(room_id)
        if row is None:  # bills come oldest first: the first one sets the room's age
            people = owners.get(room_id, [])
            row = rows[room_id] = ArrearsRow(
                room=room_code, building=building_code, owners="、".join(n for n, _p in people),
                phones="、".join(estates.mask_phone(p) if mask else p for _n, p in people if p),
                bills=0, outstanding_fen=0, days_overdue=days, aging=aging_bucket(days),
                aging_fen={b: 0 for b in AGING_BUCKETS}, last_payment_on=last_payment.get(room_id),
                last_demand_on=last_demand.get(room_id), limitation_flag=False, limitation_fen=0,
                oldest_period=period)
        row.bills += 1
        row.bill_numbers.append(number)
        row.outstanding_fen += outstanding
        row.aging_fen[aging_bucket(days)] += outstanding
        if flagged:
            row.limitation_flag = True
            row.limitation_fen += outstanding
    result = list(rows.values())
    aging = {b: sum(r.aging_fen[b] for r in result) for b in AGING_BUCKETS}
    return ArrearsReport(estate_code=estate.code, estate_name=estate.name, building=building,
                         as_of=as_of, rows=result, aging=aging,
                         outstanding_fen=sum(r.outstanding_fen for r in result), rooms=len(result),
                         limitation_rooms=sum(1 for r in result if r.limitation_flag))


def record_demand(session, principal: Principal, room_code: str, *, method: str,
                  demanded_on: Optional[date] = None, note: str = "") -> Demand:
    """Record a written demand for payment (催缴); it restarts the limitation clock."""
    room = get_room_for_billing(session, principal, room_code)
    permissions.ensure(principal, "demand.record")
    demanded_on = demanded_on or today()
    errors: dict[str, list[str]] = {}
    if method not in DEMAND_METHODS:
        errors["method"] = [_("Unknown method %(method)s.", method=method)]
    if demanded_on > today():
        errors["demanded_on"] = [_("A demand cannot be dated in the future.")]
    if len(note or "") > 500:
        errors["note"] = [_("At most 500 characters.")]
    if errors:
        raise Invalid(_("The demand cannot be recorded."), fields=errors)
    demand = Demand(estate_id=room.estate_id, room_id=room.id, demanded_on=demanded_on, method=method,
                    note=note or "", recorded_by=principal.username)
    session.add(demand)
    session.flush()
    return demand


def list_demands(session, room_id: int, *, limit: int = 20) -> list[Demand]:
    return list(session.scalars(select(Demand).where(Demand.room_id == room_id)
                                .order_by(Demand.demanded_on.desc(), Demand.id.desc()).limit(limit)))


# ---- exports ----------------------------------------------------------------------------

def _columns():
    return [_("Room"), _("Building"), _("Owners"), _("Phone"), _("Bills"), _("Oldest period"),
            _("Outstanding (yuan)"), _("Outstanding (fen)"), _("Days overdue"), _("Aging"),
            *(_("Aging %(bucket)s days (fen)", bucket=b) for b in AGING_BUCKETS),
            _("Last payment"), _("Last demand"), _("Past 3-year limitation"), _("Bill numbers")]


def _cells(row: ArrearsRow) -> list:
    return [row.room, row.building, row.owners, row.phones, row.bills, row.oldest_period,
            format_fen(row.outstanding_fen).lstrip("¥"), row.outstanding_fen, row.days_overdue, row.aging,
            *(row.aging_fen[b] for b in AGING_BUCKETS),
            row.last_payment_on.isoformat() if row.last_payment_on else "",
            row.last_demand_on.isoformat() if row.last_demand_on else "",
            _("yes") if row.limitation_flag else _("no"), " ".join(row.bill_numbers)]


def export_csv(report: ArrearsReport) -> bytes:
    """The list as CSV, UTF-8 with a BOM so Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_columns())
    for row in report.rows:
        writer.writerow(_cells(row))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(report: ArrearsReport) -> bytes:
    """The list as an XLSX workbook (one sheet, a header row, totals under the last row)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.estate_code} {report.as_of.isoformat()}"
    sheet.append(_columns())
    for row in report.rows:
        sheet.append(_cells(row))
    sheet.append([_("Total"), "", "", "", sum(r.bills for r in report.rows), "",
                  format_fen(report.outstanding_fen).lstrip("¥"), report.outstanding_fen, "", "",
                  *(report.aging[b] for b in AGING_BUCKETS)])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(report: ArrearsReport, extension: str) -> str:
    building = f"-{report.building}" if report.building else ""
    return f"arrears-{report.estate_code}{building}-{report.as_of.isoformat()}.{extension}"


__all__ = ["ArrearsReport", "ArrearsRow", "export_csv",
           "export_name", "export_xlsx", "list_arrears", "list_demands", "record_demand"]
