"""The rows behind every figure of the portal (drill-down), as pages, CSV/XLSX exports and the API.

Each kind is one table: its columns and one query over the district (narrowed by programme and
estate), in a stable order so that pages of it never overlap. The rows add up to the figure that
links to them: `claims` to claimed/approved/disbursed/clawed back, `bills` to a collection rate,
`tickets` to the repair figures, `visits` to the elder-care figures, `findings` to the open
anomalies, `allocations` to allocated. ID numbers appear only masked (条例 Art. 65), whoever reads.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from pms.billing.models import Bill, BillLine
from pms.core import clock
from pms.core.errors import Invalid, NotFound
from pms.core.money import format_fen
from pms.eldercare.models import CareService, Elder, Visit, VisitAlert
from pms.estates.models import District, Estate, Ownership, Person, Room
from pms.estates.rules import mask_id_number
from pms.maintenance import rules as mrules
from pms.maintenance.models import Ticket
from pms.reports.services.overview import DELIVERED, Span, sla_outcome
from pms.subsidies.models import (Claim, ClaimFinding, ClaimLine, Clawback, Disbursement, Program,
                                  ProgramAllocation)
from pms.subsidies.services import evidence

EXPORT_MAX = 100_000  # rows in one export; beyond, narrow it by estate or programme


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    kind: str = "text"  # text, fen, date, datetime, bool, int
    words: Optional[dict] = None  # code → label for pages and exports (the API keeps the code)
    wrap: bool = False  # free text that may wrap; codes and amounts stay on one line


CLAIM_STATUSES = {"submitted": _l("Submitted, awaiting review"), "approved": _l("Approved"),
                  "partly_approved": _l("Partly approved"), "rejected": _l("Rejected"), "draft": _l("Draft")}
LINE_STATUSES = {"claimed": _l("Awaiting review"), "approved": _l("Approved"),
                 "partly_approved": _l("Partly approved"), "rejected": _l("Rejected")}
RULES = {"same_person": _l("Same person subsidised twice"), "missing_evidence": _l("Evidence incomplete"),
         "ineligible_elder": _l("Elder not eligible on the day"), "vacant_room": _l("Vacant room"),
         "outside_period": _l("Outside the period"), "subsidy_above_line": _l("Subsidy above the line"),
         "over_allocation": _l("Over the estate’s allocation"), "over_budget": _l("Over the programme budget"),
         "idle_money": _l("Approved money not paid"), "bill_void": _l("Bill voided"),
         "amount_changed": _l("Amount changed"), "unverified_visit": _l("Visit without the home code"),
         "short_visit": _l("Visit too short"), "same_elevator": _l("Same elevator paid twice")}
BILL_STATUSES = {"open": _l("To pay"), "paid": _l("Paid"), "void": _l("Void")}
VISIT_STATUSES = {"planned": _l("Planned"), "checked_in": _l("Checked in"),
                  "checked_out": _l("Waiting for confirmation"), "confirmed": _l("Confirmed"),
                  "missed": _l("Missed check-in"), "cancelled": _l("Cancelled")}
EVIDENCE_TYPES = {"bill_line": _l("Bill line"), "visit": _l("Care visit"),
                  "certificate": _l("Inspection certificate"), "work": _l("Renovation works")}
SLA_OUTCOMES = {"met": _l("Met"), "breached": _l("Breached"), "pending": _l("Not yet known")}


@dataclass
class Table:
    kind: str
    title: object
    columns: list[Column]
    rows: list[dict]
    total: int
    # Each row may carry "_link": (endpoint, {args}) — where its own page is.


@dataclass(frozen=True)
class Filters:
    district: District
    span: Span
    program: Optional[str] = None
    estate: Optional[str] = None


def _estates(f: Filters):
    """The district's estates (narrowed to one if asked)."""
    stmt = select(Estate.id).where(Estate.district_id == f.district.id)
    if f.estate:
        stmt = stmt.where(Estate.code == f.estate)
    return stmt.scalar_subquery()


TITLES = {"claims": _l("Claims"), "claim_lines": _l("Claim lines"), "findings": _l("Open anomalies"),
          "allocations": _l("Allocations"), "bills": _l("Bills"), "tickets": _l("Repair requests"),
          "visits": _l("Elder-care visits")}


NEEDS_ESTATE = ("bills", "tickets", "visits")  # an estate's rows: a district's would be hundreds of thousands


def choices(session, district: District) -> dict[str, list[tuple[str, str]]]:
    """The district's programmes and estates as (code, label) for the filters."""
    return {"programs": [(code, f"{name} ({code})") for code, name in session.execute(
                select(Program.code, Program.name).where(Program.district_id == district.id).order_by(Program.code))],
            "estates": [(code, f"{name} ({code})") for code, name in session.execute(
                select(Estate.code, Estate.name).where(Estate.district_id == district.id).order_by(Estate.code))]}


def _need_estate(f: Filters) -> None:
    if not f.estate:
        raise Invalid(_("Choose an estate: these rows are listed one estate at a time."),
                      fields={"estate": [_("Required for this list.")]})


def _claims_in(f: Filters):
    """Conditions: the span's submitted (not draft) claims of the district's programmes."""
    conditions = [Claim.estate_id.in_(_estates(f)), Claim.status != "draft",
                  Claim.period >= f.span.first, Claim.period <= f.span.last,
                  Program.district_id == f.district.id]
    if f.program:
        conditions.append(Program.code == f.program)
    return conditions


def _page(session, stmt, order, limit: Optional[int], offset: int):
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return int(total or 0), session.execute(stmt).all()


# ---- the kinds -----------------------------------------------------------------------------------------

def _claims(session, f: Filters, limit, offset) -> Table:
    stmt = (select(Claim, Program.code, Estate.code).join(Program, Program.id == Claim.program_id)
            .join(Estate, Estate.id == Claim.estate_id).where(*_claims_in(f)))
    total, rows = _page(session, stmt, (Claim.period, Claim.id), limit, offset)
    ids = [c.id for c, *_rest in rows]
    paid, back = ({}, {}) if not ids else (
        dict(session.execute(select(m.claim_id, func.sum(m.amount_fen)).where(m.claim_id.in_(ids))
                             .group_by(m.claim_id)).all()) for m in (Disbursement, Clawback))
    out = [{"claim": c.id, "program": program, "estate": estate, "period": c.period, "status": c.status,
            "claimed_fen": c.total_fen, "approved_fen": c.approved_fen, "disbursed_fen": int(paid.get(c.id, 0)),
            "clawed_back_fen": int(back.get(c.id, 0)), "_link": ("claims.claim_page", {"claim_id": c.id})}
           for c, program, estate in rows]
    return Table("claims", TITLES["claims"], [
        Column("claim", _l("Claim"), "int"), Column("program", _l("Programme")), Column("estate", _l("Estate")),
        Column("period", _l("Period")), Column("status", _l("Status"), words=CLAIM_STATUSES), Column("claimed_fen", _l("Claimed"), "fen"),
        Column("approved_fen", _l("Approved"), "fen"), Column("disbursed_fen", _l("Disbursed"), "fen"),
        Column("clawed_back_fen", _l("Clawed back"), "fen")], out, total)


def _beneficiaries(session, lines) -> dict[int, tuple[str, Optional[str]]]:
    """Line id → (name, masked ID number): the elder of a visit, the owners of a bill line's room."""
    out: dict[int, tuple[str, Optional[str]]] = {}
    visit_ids = [line.visit_id for line in lines if line.visit_id]
    elders = {}
    if visit_ids:
        elders = {vid: (name, number) for vid, name, number in session.execute(
            select(Visit.id, Elder.name, Person.id_number).join(Elder, Elder.id == Visit.elder_id)
            .join(Person, Person.id == Elder.person_id).where(Visit.id.in_(visit_ids)))}
    room_ids = sorted({line.room_id for line in lines if not line.visit_id})
    owners: dict[int, list[tuple[str, Optional[str]]]] = {}
    if room_ids:
        for room_id, name, number in session.execute(
                select(Ownership.room_id, Person.name, Person.id_number).join(Person, Person.id == Ownership.person_id)
                .where(Ownership.room_id.in_(room_ids)).order_by(Ownership.room_id, Person.id)):
            owners.setdefault(room_id, []).append((name, number))
    for line in lines:
        if line.visit_id:
            name, number = elders.get(line.visit_id, ("", None))
            out[line.id] = (name, mask_id_number(number))
        else:
            people = owners.get(line.room_id, [])
            out[line.id] = ("、".join(n for n, _num in people),
                            "、".join(mask_id_number(num) for _n, num in people if num) or None)
    return out


def _claim_lines(session, f: Filters, limit, offset) -> Table:
    stmt = (select(ClaimLine, Claim.period, Program.code, Estate.code, Room.code, Bill.number, BillLine.item_code)
            .join(Claim, and_(Claim.id == ClaimLine.claim_id, Claim.estate_id == ClaimLine.estate_id))
            .join(Program, Program.id == Claim.program_id).join(Estate, Estate.id == Claim.estate_id)
            .outerjoin(Room, Room.id == ClaimLine.room_id)  # certificates and works stand on no room
            .outerjoin(BillLine, BillLine.id == ClaimLine.bill_line_id).outerjoin(Bill, Bill.id == BillLine.bill_id)
            .where(*_claims_in(f)))
    total, rows = _page(session, stmt, (ClaimLine.claim_id, ClaimLine.id), limit, offset)
    lines = [line for line, *_rest in rows]
    people = _beneficiaries(session, [line for line in lines if line.room_id])
    certs = evidence.certificates(session, [x.evidence_id for x in lines if x.evidence_type == "certificate"])
    works = {x.evidence_id: x for x in lines if x.evidence_type == "work"}
    works = evidence.works(session, sorted(works), "") if works else {}
    out = []
    for line, period, program, estate, room, bill, item in rows:
        name, number = people.get(line.id, ("", None))
        if line.evidence_type == "certificate" and line.evidence_id in certs:
            found = certs[line.evidence_id]
            room, ref = found["equipment"]["place"], found["number"]
        elif line.evidence_type == "work" and line.evidence_id in works:
            room, ref = estate, works[line.evidence_id]["name"]
        else:
            ref = (f"{bill}:{item}" if line.evidence_type == "bill_line" and bill else
                   f"#{line.visit_id}" if line.evidence_type == "visit" else f"#{line.evidence_id}")
        out.append({"claim": line.claim_id, "line": line.id, "program": program, "estate": estate, "period": period,
                    "room": room, "evidence_type": line.evidence_type, "evidence": ref, "beneficiary": name,
                    "id_number": number or "", "amount_fen": line.amount_fen, "status": line.status,
                    "approved_fen": line.approved_fen, "reason": line.reason,
                    "_link": ("claims.claim_page", {"claim_id": line.claim_id, "_anchor": f"line-{line.id}"})})
    return Table("claim_lines", TITLES["claim_lines"], [
        Column("claim", _l("Claim"), "int"), Column("line", _l("Line"), "int"), Column("program", _l("Programme")),
        Column("estate", _l("Estate")), Column("period", _l("Period")), Column("room", _l("Room or place")),
        Column("evidence_type", _l("Evidence"), words=EVIDENCE_TYPES), Column("evidence", _l("Reference")),
        Column("beneficiary", _l("Beneficiary"), wrap=True),
        Column("id_number", _l("ID number (masked)")), Column("amount_fen", _l("Claimed"), "fen"),
        Column("status", _l("Status"), words=LINE_STATUSES), Column("approved_fen", _l("Approved"), "fen"),
        Column("reason", _l("Reason"), wrap=True)], out, total)


def _findings(session, f: Filters, limit, offset) -> Table:
    stmt = (select(ClaimFinding, Claim.period, Program.code, Estate.code)
            .join(Claim, and_(Claim.id == ClaimFinding.claim_id, Claim.estate_id == ClaimFinding.estate_id))
            .join(Program, Program.id == Claim.program_id).join(Estate, Estate.id == Claim.estate_id)
            .where(Claim.estate_id.in_(_estates(f)), Program.district_id == f.district.id,
                   ClaimFinding.cleared_at.is_(None), ClaimFinding.dismissed_at.is_(None)))
    if f.program:
        stmt = stmt.where(Program.code == f.program)
    total, rows = _page(session, stmt, (ClaimFinding.claim_id, ClaimFinding.id), limit, offset)
    out = [{"claim": x.claim_id, "program": program, "estate": estate, "period": period, "rule": x.rule,
            "line": x.line_key or None, "detail": x.detail, "found_at": x.found_at,
            "_link": ("claims.claim_page", {"claim_id": x.claim_id, "_anchor": "findings"})}
           for x, period, program, estate in rows]
    return Table("findings", TITLES["findings"], [
        Column("claim", _l("Claim"), "int"), Column("program", _l("Programme")), Column("estate", _l("Estate")),
        Column("period", _l("Period")), Column("rule", _l("Rule"), words=RULES), Column("line", _l("Line"), "int"),
        Column("detail", _l("What was found"), wrap=True), Column("found_at", _l("Found"), "datetime")], out, total)


def _allocations(session, f: Filters, limit, offset) -> Table:
    stmt = (select(ProgramAllocation, Program.code, Estate.code, Estate.name)
            .join(Program, Program.id == ProgramAllocation.program_id)
            .join(Estate, Estate.id == ProgramAllocation.estate_id)
            .where(Program.district_id == f.district.id, ProgramAllocation.estate_id.in_(_estates(f))))
    if f.program:
        stmt = stmt.where(Program.code == f.program)
    total, rows = _page(session, stmt, (ProgramAllocation.id,), limit, offset)
    out = [{"program": program, "estate": estate, "estate_name": name, "amount_fen": a.amount_fen,
            "created_by": a.created_by, "created_at": a.created_at,
            "_link": ("subsidies.program_page", {"code": program})} for a, program, estate, name in rows]
    return Table("allocations", TITLES["allocations"], [
        Column("program", _l("Programme")), Column("estate", _l("Estate")), Column("estate_name", _l("Name"), wrap=True),
        Column("amount_fen", _l("Allocated"), "fen"), Column("created_by", _l("Allocated by")),
        Column("created_at", _l("When"), "datetime")], out, total)


def _bills(session, f: Filters, limit, offset) -> Table:
    _need_estate(f)
    owed = Bill.payable_fen - Bill.waived_fen
    stmt = (select(Bill.number, Room.code, Bill.period, Bill.due_date, owed, Bill.paid_fen, Bill.status)
            .join(Room, Room.id == Bill.room_id)
            .where(Bill.estate_id.in_(_estates(f)), Bill.period >= f.span.first, Bill.period <= f.span.last,
                   Bill.status != "void"))
    total, rows = _page(session, stmt, (Bill.period, Bill.number), limit, offset)
    out = [{"bill": number, "room": room, "period": period, "due_date": due, "receivable_fen": int(due_fen),
            "received_fen": paid, "paid_in_full": paid >= due_fen, "status": status,
            "_link": ("billing.bill_detail", {"number": number})}
           for number, room, period, due, due_fen, paid, status in rows]
    return Table("bills", TITLES["bills"], [
        Column("bill", _l("Bill")), Column("room", _l("Room")), Column("period", _l("Period")),
        Column("due_date", _l("Due"), "date"), Column("receivable_fen", _l("Receivable"), "fen"),
        Column("received_fen", _l("Received"), "fen"), Column("paid_in_full", _l("Paid in full"), "bool"),
        Column("status", _l("Status"), words=BILL_STATUSES)], out, total)


def _tickets(session, f: Filters, limit, offset) -> Table:
    _need_estate(f)
    start, end = f.span.instants()
    met, breached = sla_outcome(clock.now())
    stmt = (select(Ticket.id, Ticket.location_label, Ticket.category, Ticket.urgency, Ticket.status,
                   Ticket.submitted_at, met.label("met"), breached.label("breached"), Ticket.rating,
                   Ticket.is_complaint)
            .where(Ticket.estate_id.in_(_estates(f)), Ticket.submitted_at >= start, Ticket.submitted_at < end,
                   Ticket.status != "cancelled"))
    total, rows = _page(session, stmt, (Ticket.submitted_at, Ticket.id), limit, offset)
    out = []
    for r in rows:
        sla = "met" if r.met else "breached" if r.breached else "pending"
        out.append({"ticket": r.id, "location": r.location_label, "category": r.category, "urgency": r.urgency,
                    "status": r.status, "submitted_at": r.submitted_at, "sla": sla, "rating": r.rating,
                    "complaint": bool(r.is_complaint),
                    "_link": ("maintenance.ticket_detail", {"ticket_id": r.id})})
    return Table("tickets", TITLES["tickets"], [
        Column("ticket", _l("Request"), "int"), Column("location", _l("Where"), wrap=True), Column("category", _l("Category"), words=mrules.CATEGORIES),
        Column("urgency", _l("Urgency"), words=mrules.URGENCIES), Column("status", _l("Status"), words=mrules.STATUSES),
        Column("submitted_at", _l("Submitted"), "datetime"), Column("sla", _l("SLA"), words=SLA_OUTCOMES),
        Column("rating", _l("Rating"), "int"), Column("complaint", _l("Complaint"), "bool")], out, total)


def _visits(session, f: Filters, limit, offset) -> Table:
    _need_estate(f)
    alerts = select(func.count(VisitAlert.id)).where(VisitAlert.visit_id == Visit.id).scalar_subquery()
    stmt = (select(Visit.id, Visit.date, CareService.code, Elder.id.label("elder_id"), Elder.name, Person.id_number,
                   Room.code.label("room"), Visit.status, Visit.verified, alerts.label("alerts"))
            .join(CareService, CareService.id == Visit.service_id).join(Elder, Elder.id == Visit.elder_id)
            .join(Person, Person.id == Elder.person_id).join(Room, Room.id == Elder.room_id)
            .where(Visit.estate_id.in_(_estates(f)), Visit.date >= f.span.first_day,
                   Visit.date <= f.span.last_day, Visit.status != "cancelled"))
    total, rows = _page(session, stmt, (Visit.date, Visit.id), limit, offset)
    out = [{"visit": r.id, "date": r.date, "service": r.code, "elder": r.name,
            "id_number": mask_id_number(r.id_number) or "", "room": r.room, "status": r.status,
            "delivered": r.status in DELIVERED, "verified": bool(r.verified), "missed_check_in": bool(r.alerts),
            "_link": ("elders.elder_page", {"elder_id": r.elder_id})} for r in rows]
    return Table("visits", TITLES["visits"], [
        Column("visit", _l("Visit"), "int"), Column("date", _l("Date"), "date"), Column("service", _l("Service")),
        Column("elder", _l("Elder"), wrap=True), Column("id_number", _l("ID number (masked)")), Column("room", _l("Room")),
        Column("status", _l("Status"), words=VISIT_STATUSES), Column("delivered", _l("Delivered"), "bool"),
        Column("verified", _l("Verified"), "bool"), Column("missed_check_in", _l("Missed check-in"), "bool")],
        out, total)


KINDS: dict[str, Callable] = {"claims": _claims, "claim_lines": _claim_lines, "findings": _findings,
                              "allocations": _allocations, "bills": _bills, "tickets": _tickets, "visits": _visits}


def table(session, kind: str, filters: Filters, *, limit: Optional[int] = 50, offset: int = 0) -> Table:
    """One page of a kind's rows (limit None: all of them, for an export)."""
    if kind not in KINDS:
        raise NotFound("no such list")
    return KINDS[kind](session, filters, limit, offset)


def export_table(session, kind: str, filters: Filters) -> Table:
    """Every row of a kind, for CSV/XLSX; more than EXPORT_MAX → 422 (narrow it first)."""
    found = table(session, kind, filters, limit=EXPORT_MAX + 1)
    if found.total > EXPORT_MAX:
        raise Invalid(_("%(n)d rows is more than one export holds (%(max)d): choose an estate or a programme.",
                        n=found.total, max=EXPORT_MAX), fields={"estate": [_("Narrow the list.")]})
    return found


# ---- exports ---------------------------------------------------------------------------------------------

def cell_text(value, column: Column):
    """A cell as people read it: codes in words, amounts in yuan, times local, yes/no."""
    if column.words and value in column.words:
        return str(column.words[value])
    return _cell(value, column.kind)


def _cell(value, kind: str):
    if value is None:
        return ""
    if kind == "fen":
        return format_fen(value).lstrip("¥")
    if kind == "bool":
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return value.astimezone(clock.timezone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_csv(found: Table) -> bytes:
    """The table as CSV, UTF-8 with a BOM so Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(c.label) for c in found.columns])
    for row in found.rows:
        writer.writerow([cell_text(row.get(c.key), c) for c in found.columns])
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(found: Table) -> bytes:
    """The table as an XLSX workbook: one sheet, a frozen header row, amounts as yuan numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(found.kind)
    sheet.freeze_panes = "A2"
    sheet.append([str(c.label) for c in found.columns])
    for row in found.rows:
        cells = []
        for c in found.columns:
            value = row.get(c.key)
            cells.append(value / 100 if c.kind == "fen" and value is not None else
                         value if c.kind == "int" else cell_text(value, c))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(kind: str, filters: Filters, extension: str) -> str:
    parts = [kind, filters.district.code, filters.span.text, filters.program, filters.estate]
    return "-".join(p for p in parts if p) + f".{extension}"


def json_value(value):
    """A cell for the API: dates and instants in ISO 8601, everything else as it is (codes, fen)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
