"""The programme's side of a claim: the officer's review line by line, the disbursement recorded by
a second officer (four eyes), and clawbacks (CONTRACT.md "Subsidies").

Each step is one journal entry in the one ledger, per programme (`program_id` on every line), so
`pms audit verify` covers them and the balances say where every claimed fen stands:

    billing run       subsidy_receivable  +  (the programme owes its part of the bills)
    submit            subsidy_claimed     +   subsidy_receivable − (billed lines: bill lines, visits)
                                              subsidy_revenue −    (certificates and works: never billed)
    review            subsidy_approved    +   subsidy_shortfall (expense) +   subsidy_claimed −
    disbursement      cash                +   subsidy_approved −
    clawback          subsidy_clawback (expense) +   cash −

The claim row is locked for every step, so two officers acting at once are taken one after the
other: a claim is reviewed once, and disbursements never pass what was approved.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from pms.billing.services.ledger import Line, post_entry
from pms.core import audit, clock
from pms.core.auth import Principal
from pms.core.db import utcnow
from pms.core.errors import Conflict, Forbidden, Invalid
from pms.core.money import format_fen
from pms.subsidies import permissions
from pms.subsidies.models import Claim, ClaimLine, Clawback, Disbursement
from pms.subsidies.services import findings
from pms.subsidies.services.claims import get_claim

DECIDED = ("approved", "partly_approved", "rejected")
PAYABLE = ("approved", "partly_approved")


def claim_to_review(session, principal: Principal, claim_id: int) -> Claim:
    """The claim in scope, for a caller who may review claims (404, then 403)."""
    claim = get_claim(session, principal, claim_id)
    permissions.ensure(principal, "claim.review")
    return claim


def review_claim(session, principal: Principal, claim_id: int, decisions: list[dict]) -> Claim:
    """Approve, partly approve or reject every line of a submitted claim (a reason for anything not
    approved in full); the claim's status follows from its lines."""
    claim = get_claim(session, principal, claim_id, for_update=True)
    permissions.ensure(principal, "claim.review")
    if claim.status != "submitted":
        raise Conflict(_("Claim #%(id)d cannot be reviewed: it is %(status)s.", id=claim.id,
                         status=status_name(claim.status)))
    lines = {line.id: line for line in session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id))}
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for row, decision in enumerate(decisions):
        line = lines.get(decision["id"])
        if line is None or decision["id"] in seen:
            errors[f"lines.{row}.id"] = [_("Not a line of claim #%(id)d, or given twice.", id=claim.id)]
            continue
        seen.add(line.id)
        approved = decision["approved_fen"]
        if approved > line.amount_fen:
            errors[f"lines.{row}.approved_fen"] = [_("At most the claimed %(amount)s fen.", amount=line.amount_fen)]
        elif approved < line.amount_fen and not decision.get("reason", "").strip():
            errors[f"lines.{row}.reason"] = [_("Say why the line is not approved in full.")]
    missing = sorted(set(lines) - seen)
    if missing and not errors:
        errors["lines"] = [_("Every line must be decided; missing: %(ids)s.", ids=", ".join(map(str, missing)))]
    if errors:
        raise Invalid(_("The review cannot be recorded."), fields=errors)
    for decision in decisions:
        line = lines[decision["id"]]
        line.approved_fen, line.reason = decision["approved_fen"], decision.get("reason", "").strip()
        line.status = ("approved" if line.approved_fen == line.amount_fen
                       else "rejected" if line.approved_fen == 0 else "partly_approved")
    approved = sum(line.approved_fen for line in lines.values())
    claim.status = ("approved" if approved == claim.total_fen else "rejected" if approved == 0
                    else "partly_approved")
    claim.approved_fen, claim.reviewed_by, claim.reviewed_at = approved, principal.username, utcnow()
    session.flush()
    post_entry(session, estate_id=claim.estate_id, kind="claim_review", source_type="claim", source_id=claim.id,
               business_date=clock.today(), memo=f"claim #{claim.id} reviewed", lines=[
                   Line("subsidy_approved", approved, program_id=claim.program_id),
                   Line("subsidy_shortfall", claim.total_fen - approved, program_id=claim.program_id),
                   Line("subsidy_claimed", -claim.total_fen, program_id=claim.program_id)])
    findings.check_claim(session, claim)
    audit.record(session, actor=principal.username, action="claim.review", object_type="claim", object_id=claim.id,
                 estate_id=claim.estate_id, payload={"status": claim.status, "approved_fen": approved, "lines": [
                     {"id": d["id"], "approved_fen": d["approved_fen"], "reason": d.get("reason", "")}
                     for d in decisions]})
    return claim


def disbursed_fen(session, claim_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Disbursement.amount_fen), 0))
                          .where(Disbursement.claim_id == claim_id))


def clawed_back_fen(session, claim_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Clawback.amount_fen), 0)).where(Clawback.claim_id == claim_id))


def disburse(session, principal: Principal, claim_id: int, *, amount_fen: int, paid_on: date,
             reference: str) -> Disbursement:
    """Record money paid on an approved claim: never by the officer who approved it, never more
    than what is approved and not yet paid."""
    claim = get_claim(session, principal, claim_id, for_update=True)
    permissions.ensure(principal, "claim.disburse")
    if claim.status not in PAYABLE:
        raise Conflict(_("Claim #%(id)d has nothing approved to pay: it is %(status)s.", id=claim.id,
                         status=status_name(claim.status)))
    if principal.username == claim.reviewed_by:
        raise Forbidden(_("Four eyes: you approved claim #%(id)d, so another officer records its payment.",
                          id=claim.id))
    errors: dict[str, list[str]] = {}
    left = claim.approved_fen - disbursed_fen(session, claim.id)
    if amount_fen > left:
        errors["amount_fen"] = [_("Above what is approved and not yet paid: %(left)s fen (%(yuan)s).",
                                  left=left, yuan=format_fen(left))]
    if paid_on > clock.today():
        errors["date"] = [_("A payment date cannot be in the future.")]
    if not reference.strip():
        errors["reference"] = [_("The bank's reference of the transfer is required.")]
    if errors:
        raise Invalid(_("The disbursement cannot be recorded."), fields=errors)
    paid = Disbursement(claim_id=claim.id, estate_id=claim.estate_id, amount_fen=amount_fen, paid_on=paid_on,
                        reference=reference.strip(), recorded_by=principal.username)
    session.add(paid)
    session.flush()
    post_entry(session, estate_id=claim.estate_id, kind="disbursement", source_type="disbursement",
               source_id=paid.id, business_date=paid_on, memo=f"claim #{claim.id} {paid.reference}"[:255], lines=[
                   Line("cash", amount_fen, program_id=claim.program_id),
                   Line("subsidy_approved", -amount_fen, program_id=claim.program_id)])
    audit.record(session, actor=principal.username, action="claim.disburse", object_type="disbursement",
                 object_id=paid.id, estate_id=claim.estate_id,
                 payload={"claim": claim.id, "amount_fen": amount_fen, "paid_on": paid_on.isoformat(),
                          "reference": paid.reference})
    return paid


def claw_back(session, principal: Principal, claim_id: int, *, amount_fen: int, reason: str) -> Clawback:
    """Recover money paid on a claim that was later found unjustified: at most what was paid and
    not yet recovered, always with a reason."""
    claim = get_claim(session, principal, claim_id, for_update=True)
    permissions.ensure(principal, "claim.clawback")
    errors: dict[str, list[str]] = {}
    left = disbursed_fen(session, claim.id) - clawed_back_fen(session, claim.id)
    if amount_fen > left:
        errors["amount_fen"] = [_("Above what was paid and not yet recovered: %(left)s fen (%(yuan)s).",
                                  left=left, yuan=format_fen(left))]
    if not reason.strip():
        errors["reason"] = [_("Say why the money is recovered.")]
    if errors:
        raise Invalid(_("The clawback cannot be recorded."), fields=errors)
    back = Clawback(claim_id=claim.id, estate_id=claim.estate_id, amount_fen=amount_fen, reason=reason.strip(),
                    recorded_by=principal.username)
    session.add(back)
    session.flush()
    post_entry(session, estate_id=claim.estate_id, kind="clawback", source_type="clawback", source_id=back.id,
               business_date=clock.today(), memo=f"claim #{claim.id} clawback", lines=[
                   Line("subsidy_clawback", amount_fen, program_id=claim.program_id),
                   Line("cash", -amount_fen, program_id=claim.program_id)])
    audit.record(session, actor=principal.username, action="claim.clawback", object_type="clawback",
                 object_id=back.id, estate_id=claim.estate_id,
                 payload={"claim": claim.id, "amount_fen": amount_fen, "reason": back.reason})
    return back


def next_steps(principal: Principal, view) -> dict[str, bool]:
    """What the claim's page offers this caller now (a `claims.ClaimView`): the company submits a
    draft; an officer of the district reviews a submitted claim, records payments unless they
    approved it (four eyes), recovers money paid, dismisses findings."""
    officer = principal.role in permissions.DESK_ROLES
    return {
        "may_submit": view.status == "draft" and permissions.may(principal, "claim.submit"),
        "may_review": view.status == "submitted" and officer and permissions.may(principal, "claim.review"),
        "may_pay": (view.status in PAYABLE and officer and permissions.may(principal, "claim.disburse")
                    and view.approved_fen > view.disbursed_fen),
        "approver": view.reviewed_by == principal.username,
        "may_claw_back": (officer and permissions.may(principal, "claim.clawback")
                          and view.disbursed_fen > view.clawed_back_fen),
        "may_dismiss": officer and permissions.may(principal, "finding.dismiss"),
    }


def status_name(status: str) -> str:
    """A claim's status in words."""
    return {"draft": _("a draft"), "submitted": _("submitted"), "approved": _("approved"),
            "partly_approved": _("partly approved"), "rejected": _("rejected")}.get(status, status)

