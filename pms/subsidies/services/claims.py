"""Subsidy claims built from evidence already in the system (CONTRACT.md "Subsidies").

A claim asks one programme to pay its part for one estate and one closed billing period. Its lines
are never typed in: each stands on one piece of evidence and carries that evidence's subsidy part:

- `visit`: a confirmed elder-care visit on the period's bills (checked in, checked out and
  confirmed; its subsidy fixed by the billing run), one line per visit so the officer can open it;
- `bill_line`: any other bill line of the period that the programme subsidises (fee-plan
  subsidies such as 先尝后买 property service);
- `certificate` (elevator programmes with a `unit_fen`): one line per elevator of the estate whose
  special-equipment inspection certificate was issued in the period (its `issued_on` in the
  month), for the programme's amount per elevator. An elevator is paid once per programme: one
  whose certificate is on a live line of this programme already is left out (a yearly
  re-inspection certificate is no new evidence), and of two certificates in one month the first
  is taken;
- `work` (renovation programmes with a `percent`): one line per renovation project of the estate
  accepted in the period (竣工验收, `accepted_on` in the month) with its contract amount recorded,
  for the programme's percent of that amount, rounded half-up to the fen.
A certificate or a work belongs to an entrance or the estate, not to a room or a bill: those lines
have no room and no bill line.

Rules (checked here, the last one also by the database):
- the period is closed: its month has ended (business clock) and — unless the programme pays on
  certificates or works (an elevator programme with its amount per elevator, a renovation
  programme with its percent), whose evidence is no bill — the estate's billing run for it has
  finished; else 409;
- the programme is of the estate's district — else 422 naming `program`;
- a claim takes only evidence not already on a live (not rejected) line of any claim, so
  building again collects only what was added since; nothing left → 409 naming the claims that
  hold it; `ux_claim_line_live_evidence` makes this hold when two people build at once;
- a submitted claim's lines never change (there is no operation that changes them, and submit
  is refused unless the claim is a draft).

The ledger already holds what a programme owes on bills: the billing run debits
`subsidy_receivable` per programme, and submitting a claim moves its billed lines' total from there
to `subsidy_claimed`. Certificates and works were never billed: submitting recognises their total
as `subsidy_revenue` (income, per programme) against `subsidy_claimed`. Approval, disbursement and
clawback then post the same entries whatever the evidence (services/reviews.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime  # noqa: F401  (date: PaymentView)
from typing import Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import Integer, String, and_, cast, func, insert, literal, null, select, union_all
from sqlalchemy.sql import Select
from sqlalchemy.exc import IntegrityError

from pms.billing.models import Bill, BillingRun, BillLine
from pms.billing.services.ledger import Line, post_entry
from pms.core import audit, clock, periods
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import utcnow
from pms.core.sql import InIds
from pms.core.errors import Conflict, Invalid
from pms.eldercare.models import CareService, Visit
from pms.estates.models import Estate, Room
from pms.subsidies import permissions
from pms.subsidies.services import evidence, findings
from pms.subsidies.services.programs import visible
from pms.subsidies.models import BILLED_EVIDENCE, LIVE, Claim, ClaimLine, Clawback, Disbursement, Program



@dataclass
class Evidence:
    type: str
    ref: str
    bill: Optional[str]  # None: a certificate or a work
    room: Optional[str]
    visit: Optional[dict] = None
    certificate: Optional[dict] = None  # number, issued_on, issuer, valid_until and the elevator
    work: Optional[dict] = None  # the renovation project: name, contractor, accepted_on, contract_fen
    place: str = ""  # where the evidence is: the room, the elevator's entrance, or the estate


@dataclass
class LineView:
    id: int
    room: Optional[str]
    amount_fen: int
    status: str
    approved_fen: Optional[int]
    reason: str
    evidence: Evidence


@dataclass
class PaymentView:
    kind: str  # disbursement or clawback
    amount_fen: int
    date: date
    reference: str  # the bank reference, or the clawback's reason
    recorded_by: str


@dataclass
class ClaimView:
    id: int
    program: str
    program_name: str
    estate: str
    period: str
    status: str
    total_fen: int
    created_by: str
    created_at: datetime
    submitted_by: Optional[str]
    submitted_at: Optional[datetime]
    reviewed_by: Optional[str]
    reviewed_at: Optional[datetime]
    approved_fen: Optional[int]
    disbursed_fen: int
    clawed_back_fen: int
    lines: list[LineView]
    payments: list[PaymentView]


# What a claim line is built from, in this order (INSERT … SELECT and the single-estate build).
LINE_COLUMNS = ("estate_id", "evidence_type", "evidence_id", "visit_id", "bill_line_id", "room_id", "amount_fen")


def _billed_candidates(program: Program, estate_ids: Sequence[int], period: str) -> list[Select]:
    """SQL of the period's billed evidence for the programme not yet on a live claim line, columns
    LINE_COLUMNS: visits with a subsidy part, then the other subsidised bill lines."""
    live_visit = select(ClaimLine.id).where(ClaimLine.evidence_type == "visit",
                                            ClaimLine.evidence_id == Visit.id, LIVE).exists()
    live_line = select(ClaimLine.id).where(ClaimLine.evidence_type == "bill_line",
                                           ClaimLine.evidence_id == BillLine.id, LIVE).exists()
    period_lines = (InIds(BillLine.estate_id, list(estate_ids)), BillLine.program_id == program.id,
                    BillLine.subsidy_fen > 0, Bill.period == period, Bill.status != "void")
    visits = (select(BillLine.estate_id, literal("visit", String).label("evidence_type"), Visit.id.label("evidence_id"),
                     Visit.id.label("visit_id"), BillLine.id.label("bill_line_id"), BillLine.room_id,
                     Visit.subsidy_fen.label("amount_fen"))
              .join(BillLine, BillLine.id == Visit.bill_line_id).join(Bill, Bill.id == BillLine.bill_id)
              .where(*period_lines, Visit.subsidy_fen > 0, ~live_visit))
    with_visits = select(Visit.id).where(Visit.bill_line_id == BillLine.id).exists()
    lines = (select(BillLine.estate_id, literal("bill_line", String).label("evidence_type"),
                    BillLine.id.label("evidence_id"), cast(null(), Integer).label("visit_id"),
                    BillLine.id.label("bill_line_id"),
                    BillLine.room_id, BillLine.subsidy_fen.label("amount_fen"))
             .join(Bill, Bill.id == BillLine.bill_id).where(*period_lines, ~with_visits, ~live_line))
    return [visits, lines]


def _other_candidates(session, program: Program, estates: Sequence[Estate], period: str) -> list[dict]:
    """Certificates and works (elevator and renovation programmes only), as line dicts."""
    if not evidence.pays_on_evidence(program):
        return []
    return [{"estate_id": e.id, **piece} for e in estates
            for piece in (evidence.certificate_evidence(session, program, e, period)
                          + evidence.work_evidence(session, program, e, period))]


def _rule_missing(program: Program) -> str:
    """Why an elevator or renovation programme claims no certificate or work: it says no amount."""
    if evidence.pays_on_evidence(program) or program.kind not in ("elevator", "renovation"):
        return ""
    return " " + (_("The programme says no amount per elevator certified.") if program.kind == "elevator"
                  else _("The programme says no percent of the works' contract amount."))


def may_build(principal: Principal) -> bool:
    """Whether the caller's role builds claims (the claims page offers the form)."""
    return permissions.may(principal, "claim.create")


def _ensure_closed(period: str) -> None:
    """409 unless the period's month has ended (business clock); 422 unless it is a month."""
    if not periods.is_period(period or ""):
        raise Invalid(_("The claim cannot be built."), fields={"period": [_("A month as YYYY-MM.")]})
    if periods.last_day(period) >= clock.today():
        raise Conflict(_("The period %(period)s is not closed yet: claims are built after its last day.",
                         period=period))


def _district_program(session, code: str, district_id: Optional[int]) -> Program:
    """The programme by code, of that district (else 422 naming `program`)."""
    found = session.scalar(select(Program).where(Program.code == (code or "")))
    if found is None or (district_id is not None and found.district_id != district_id):
        raise Invalid(_("The claim cannot be built."), fields={"program": [
            _("No programme %(code)s of this estate's district.", code=code)]})
    return found


def _billed_estates(session, estate_ids: Sequence[int], period: str) -> set[int]:
    """The estates whose billing run of the period has finished."""
    return set(session.scalars(select(BillingRun.estate_id).where(
        InIds(BillingRun.estate_id, list(estate_ids)), BillingRun.period == period,
        BillingRun.finished_at.is_not(None))))


def _create_claims(session, principal: Principal, program: Program, period: str,
                   estates: Sequence[Estate]) -> list[Claim]:
    """One draft per estate with unclaimed evidence of the period, set-based whatever the number of
    estates: the totals in one grouped query, the claims, every billed line by INSERT … SELECT, then
    the certificates and works, the check that each claim's lines add up to its total, the anomaly
    checks and the audit. [] when there is nothing to claim."""
    by_id = {e.id: e for e in estates}
    billed = _billed_candidates(program, list(by_id), period)
    every = union_all(*billed).subquery()
    totals = {e: (int(total), int(n)) for e, total, n in session.execute(
        select(every.c.estate_id, func.sum(every.c.amount_fen), func.count()).group_by(every.c.estate_id))}
    others = _other_candidates(session, program, estates, period)
    for piece in others:
        total, n = totals.get(piece["estate_id"], (0, 0))
        totals[piece["estate_id"]] = (total + piece["amount_fen"], n + 1)
    if not totals:
        return []
    claims = [Claim(program_id=program.id, estate_id=estate_id, period=period, status="draft", total_fen=total,
                    created_by=principal.username)
              for estate_id, (total, _n) in sorted(totals.items(), key=lambda kv: by_id[kv[0]].code)]
    try:
        with session.begin_nested():
            session.add_all(claims)
            session.flush()
            ids = [c.id for c in claims]
            target = ("claim_id", *LINE_COLUMNS, "status", "reason")
            for candidates in billed:
                found = candidates.subquery()
                session.execute(insert(ClaimLine.__table__).from_select(target, select(
                    Claim.id, *(found.c[name] for name in LINE_COLUMNS), literal("claimed", String),
                    literal("", String)).join(Claim, and_(Claim.estate_id == found.c.estate_id, InIds(Claim.id, ids)))
                    .order_by(found.c.estate_id, found.c.room_id, found.c.evidence_id)))
            claim_of = {c.estate_id: c.id for c in claims}
            if others:  # a few a month: one Core INSERT of them all
                session.execute(insert(ClaimLine.__table__), [
                    dict(claim_id=claim_of[p["estate_id"]], status="claimed", reason="", **p) for p in others])
    except IntegrityError as exc:  # someone built a claim of the same evidence at the same moment
        raise Conflict(_("Another claim took this evidence a moment ago; build again to claim what is left.")) \
            from exc
    # Between the totals and the INSERT another transaction may have claimed some of the evidence
    # and committed (READ COMMITTED): then a claim's lines no longer add up to its total.
    added = dict(session.execute(select(ClaimLine.claim_id, func.sum(ClaimLine.amount_fen))
                                 .where(InIds(ClaimLine.claim_id, [c.id for c in claims]))
                                 .group_by(ClaimLine.claim_id)).all())
    if any(int(added.get(c.id, 0)) != c.total_fen for c in claims):
        raise Conflict(_("Another claim took this evidence a moment ago; build again to claim what is left."))
    findings.check_claims(session, claims)
    for claim in claims:
        audit.record(session, actor=principal.username, action="claim.build", object_type="claim",
                     object_id=claim.id, estate_id=claim.estate_id,
                     payload={"program": program.code, "period": period, "lines": totals[claim.estate_id][1],
                              "total_fen": claim.total_fen})
    return claims


def build_claim(session, principal: Principal, *, program: str, estate: str, period: str) -> Claim:
    """A draft claim of the programme for the estate's closed period, one line per piece of
    evidence not yet claimed."""
    permissions.ensure(principal, "claim.create")
    from pms.estates import services as estates

    found_estate = estates.get_estate(session, principal, estate)
    if not periods.is_period(period or ""):
        raise Invalid(_("The claim cannot be built."), fields={"period": [_("A month as YYYY-MM.")]})
    found_program = _district_program(session, program, found_estate.district_id)
    _ensure_closed(period)
    if not _billed_estates(session, [found_estate.id], period) and not evidence.pays_on_evidence(found_program):
        raise Conflict(_("The period %(period)s of %(estate)s has not been billed: claims are built from its bills.",
                         period=period, estate=found_estate.code) + _rule_missing(found_program))
    built = _create_claims(session, principal, found_program, period, [found_estate])
    if not built:
        holders = session.scalars(
            select(Claim.id).where(Claim.program_id == found_program.id, Claim.estate_id == found_estate.id,
                                   Claim.period == period).order_by(Claim.id)).all()
        raise Conflict(_("Nothing to claim: no evidence of %(period)s is left unclaimed (claims: %(ids)s).",
                         period=period, ids=", ".join(f"#{i}" for i in holders) or "—") + _rule_missing(found_program))
    return built[0]


def build_claims(session, principal: Principal, *, program: str, period: str,
                 estates: Optional[Sequence[str]] = None) -> list[Claim]:
    """Drafts for every estate of the programme's district in the caller's scope (or those named)
    with unclaimed evidence of the closed period: one unit of work, all or nothing. Estates not
    billed for the period are left out (a programme paying on bills only); none at all → 409."""
    permissions.ensure(principal, "claim.create")
    if not periods.is_period(period or ""):
        raise Invalid(_("The claims cannot be built."), fields={"period": [_("A month as YYYY-MM.")]})
    found_program = session.scalar(select(Program).where(Program.code == (program or ""), visible(principal)))
    if found_program is None:
        raise Invalid(_("The claims cannot be built."), fields={"program": [
            _("No programme %(code)s of your estates' districts.", code=program)]})
    _ensure_closed(period)
    stmt = scoped(select(Estate).where(Estate.district_id == found_program.district_id), Estate, principal)
    if estates:
        stmt = stmt.where(Estate.code.in_(list(estates)))
    chosen = list(session.scalars(stmt.order_by(Estate.code)))
    if estates and len(chosen) != len(set(estates)):
        unknown = sorted(set(estates) - {e.code for e in chosen})
        raise Invalid(_("The claims cannot be built."), fields={"estates": [
            _("Not estates of the programme's district in your scope: %(codes)s", codes=", ".join(unknown))]})
    if not evidence.pays_on_evidence(found_program):
        billed = _billed_estates(session, [e.id for e in chosen], period)
        chosen = [e for e in chosen if e.id in billed]
    built = _create_claims(session, principal, found_program, period, chosen) if chosen else []
    if not built:
        raise Conflict(_("Nothing to claim: no estate has evidence of %(period)s left unclaimed.", period=period)
                       + _rule_missing(found_program))
    return built


def get_claim(session, principal: Principal, claim_id: int, *, for_update: bool = False) -> Claim:
    """A claim in scope (404 otherwise; 403 for roles that read no claims)."""
    claim = get_in_scope(session, Claim, Claim.id == claim_id, principal=principal, for_update=for_update)
    permissions.ensure(principal, "claim.read")
    return claim


def submit_claim(session, principal: Principal, claim_id: int) -> Claim:
    """The company hands the draft to the programme: from now on its lines are frozen."""
    claim = get_claim(session, principal, claim_id, for_update=True)
    permissions.ensure(principal, "claim.submit")
    if claim.status != "draft":
        raise Conflict(_("Claim #%(id)d was already submitted.", id=claim.id))
    claim.status, claim.submitted_by, claim.submitted_at = "submitted", principal.username, utcnow()
    session.flush()
    # The billed lines' total moves from what the programme owes to what it was asked for; the
    # certificates' and works' total (never billed) is recognised as income as it is asked for
    # (services/reviews.py lists every step's entry).
    billed = session.scalar(select(func.coalesce(func.sum(ClaimLine.amount_fen), 0))
                            .where(ClaimLine.claim_id == claim.id, ClaimLine.evidence_type.in_(BILLED_EVIDENCE)))
    post_entry(session, estate_id=claim.estate_id, kind="claim", source_type="claim", source_id=claim.id,
               business_date=clock.today(), memo=f"claim #{claim.id} {claim.period}", lines=[
                   Line("subsidy_claimed", claim.total_fen, program_id=claim.program_id),
                   Line("subsidy_receivable", -billed, program_id=claim.program_id),
                   Line("subsidy_revenue", billed - claim.total_fen, program_id=claim.program_id)])
    findings.check_claim(session, claim)  # the officer receives it with its findings
    audit.record(session, actor=principal.username, action="claim.submit", object_type="claim",
                 object_id=claim.id, estate_id=claim.estate_id, payload={"total_fen": claim.total_fen})
    return claim


@dataclass
class ClaimSummary:
    id: int
    program: str
    program_name: str
    estate: str
    period: str
    status: str
    total_fen: int
    approved_fen: Optional[int]
    disbursed_fen: int
    clawed_back_fen: int


def built_summaries(session, claims: Sequence[Claim]) -> list[ClaimSummary]:
    """Summaries of claims just built (nothing approved or paid yet), in estate order."""
    if not claims:
        return []
    program = session.get(Program, claims[0].program_id)
    codes = dict(session.execute(select(Estate.id, Estate.code).where(
        InIds(Estate.id, sorted({c.estate_id for c in claims})))).all())
    return [ClaimSummary(id=c.id, program=program.code, program_name=program.name, estate=codes[c.estate_id],
                         period=c.period, status=c.status, total_fen=c.total_fen, approved_fen=None,
                         disbursed_fen=0, clawed_back_fen=0) for c in claims]


def list_claims(session, principal: Principal, *, estate: Optional[str] = None,
                limit: int = 200) -> list[ClaimSummary]:
    """Claims in scope, newest first, with what was paid and recovered (four statements, whatever
    the number of claims)."""
    permissions.ensure(principal, "claim.read")
    stmt = scoped(select(Claim, Program.code, Program.name, Estate.code).join(Program, Program.id == Claim.program_id)
                  .join(Estate, Estate.id == Claim.estate_id), Claim, principal)
    if estate:
        stmt = stmt.where(Estate.code == estate)
    rows = session.execute(stmt.order_by(Claim.id.desc()).limit(limit)).all()
    ids = [claim.id for claim, *_rest in rows]
    paid, back = ({}, {}) if not ids else (
        dict(session.execute(select(model.claim_id, func.sum(model.amount_fen))
                             .where(InIds(model.claim_id, ids)).group_by(model.claim_id)).all())
        for model in (Disbursement, Clawback))
    return [ClaimSummary(id=c.id, program=code, program_name=name, estate=estate_code, period=c.period,
                         status=c.status, total_fen=c.total_fen, approved_fen=c.approved_fen,
                         disbursed_fen=paid.get(c.id, 0), clawed_back_fen=back.get(c.id, 0))
            for c, code, name, estate_code in rows]


def claim_view(session, claim: Claim) -> ClaimView:
    """The claim with its lines and where each one's evidence is."""
    program = session.get(Program, claim.program_id)
    estate_code = session.scalar(select(Estate.code).where(Estate.id == claim.estate_id))
    rows = session.execute(
        select(ClaimLine, Room.code, Bill.number, BillLine.item_code)
        .outerjoin(Room, Room.id == ClaimLine.room_id).outerjoin(BillLine, BillLine.id == ClaimLine.bill_line_id)
        .outerjoin(Bill, Bill.id == BillLine.bill_id).where(ClaimLine.claim_id == claim.id)
        .order_by(ClaimLine.id)).all()
    ids = {kind: [line.evidence_id for line, *_r in rows if line.evidence_type == kind]
           for kind in ("certificate", "work")}
    certificates = evidence.certificates(session, ids["certificate"])
    works = evidence.works(session, ids["work"], estate_code)
    visit_ids = [line.visit_id for line, *_rest in rows if line.visit_id]
    visits = {}
    if visit_ids:
        for v, service in session.execute(select(Visit, CareService.code)
                                          .join(CareService, CareService.id == Visit.service_id)
                                          .where(Visit.id.in_(visit_ids))):
            visits[v.id] = {"id": v.id, "date": v.date.isoformat(), "service": service,
                            "checked_in_at": v.checked_in_at, "checked_out_at": v.checked_out_at,
                            "confirmed_at": v.confirmed_at, "verified": bool(v.verified)}
    lines = []
    for line, room, bill, item in rows:
        kind = line.evidence_type
        certificate = certificates.get(line.evidence_id) if kind == "certificate" else None
        work = works.get(line.evidence_id) if kind == "work" else None
        ref = (f"visit:{line.visit_id}" if kind == "visit" else f"{bill}:{item}" if kind == "bill_line"
               else f"{kind}:{line.evidence_id}")
        place = room or (certificate["equipment"]["place"] if certificate else work["estate"] if work else "")
        lines.append(LineView(id=line.id, room=room, amount_fen=line.amount_fen, status=line.status,
                              approved_fen=line.approved_fen, reason=line.reason,
                              evidence=Evidence(type=kind, ref=ref, bill=bill, room=room,
                                                visit=visits.get(line.visit_id), certificate=certificate,
                                                work=work, place=place or "")))
    paid = [PaymentView("disbursement", d.amount_fen, d.paid_on, d.reference, d.recorded_by)
            for d in session.scalars(select(Disbursement).where(Disbursement.claim_id == claim.id)
                                     .order_by(Disbursement.id))]
    back = [PaymentView("clawback", c.amount_fen, clock.today(c.created_at), c.reason, c.recorded_by)
            for c in session.scalars(select(Clawback).where(Clawback.claim_id == claim.id).order_by(Clawback.id))]
    return ClaimView(id=claim.id, program=program.code, program_name=program.name, estate=estate_code,
                     period=claim.period, status=claim.status, total_fen=claim.total_fen,
                     created_by=claim.created_by, created_at=claim.created_at, submitted_by=claim.submitted_by,
                     submitted_at=claim.submitted_at, reviewed_by=claim.reviewed_by, reviewed_at=claim.reviewed_at,
                     approved_fen=claim.approved_fen, disbursed_fen=sum(p.amount_fen for p in paid),
                     clawed_back_fen=sum(p.amount_fen for p in back), lines=lines, payments=paid + back)
