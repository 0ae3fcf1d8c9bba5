"""Subsidies API: claims built from evidence, their findings and submission (CONTRACT.md "Subsidies")."""
from __future__ import annotations

from flask import Blueprint

from pms.core.api import load_args, load_body
from pms.core.auth import OFFICER, open_to, require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.subsidies import schemas as s
from pms.subsidies.services import claims, findings, reviews

bp = Blueprint("claims_api", __name__)
TAG = "subsidies"


@bp.post("/claims")
@documented(summary="Build a draft claim of a programme for an estate's closed period from the evidence not yet "
                    "claimed (manager, finance); 409 for a period not closed or nothing left to claim",
            body=s.ClaimCreateSchema, response=s.ClaimSchema, status=201, tag=TAG)
def build_claim():
    """Every line stands on one piece of evidence: a confirmed visit or a subsidised bill line."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ClaimCreateSchema())
    claim = claims.build_claim(session, principal, **data)
    return s.ClaimSchema().dump(claims.claim_view(session, claim)), 201


@bp.post("/claims/batch")
@documented(summary="Build the drafts of a programme's closed period for every estate of its district in your "
                    "scope (or the `estates` named) that has unclaimed evidence, in one unit of work (manager, "
                    "finance); estates not billed for the period are left out; 409 when none has anything left",
            body=s.ClaimBatchCreateSchema, response=s.ClaimBatchSchema, status=201, tag=TAG)
def build_claims():
    """One draft per estate, each line on one piece of evidence."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ClaimBatchCreateSchema())
    built = claims.build_claims(session, principal, program=data["program"], period=data["period"],
                                estates=data["estates"])
    return s.ClaimBatchSchema().dump({"items": claims.built_summaries(session, built), "claims": len(built),
                                      "total_fen": sum(c.total_fen for c in built)}), 201


@bp.get("/claims")
@documented(summary="Claims in your scope, newest first", query=s.ClaimQuerySchema, response=s.ClaimListSchema,
            tag=TAG)
def list_claims():
    """A summary per claim."""
    principal, session = require_principal(), get_session()
    args = load_args(s.ClaimQuerySchema())
    return s.ClaimListSchema().dump({"items": claims.list_claims(session, principal, estate=args.get("estate"))})


@bp.get("/claims/<int:claim_id>")
@documented(summary="A claim with its lines and the evidence behind each", response=s.ClaimSchema, tag=TAG)
def get_claim(claim_id: int):
    """The claim in scope."""
    principal, session = require_principal(), get_session()
    return s.ClaimSchema().dump(claims.claim_view(session, claims.get_claim(session, principal, claim_id)))


@bp.get("/claims/<int:claim_id>/anomalies")
@documented(summary="The claim's open anomaly findings (checked when it is built, submitted and every night; "
                    "cleared when they no longer hold, or dismissed by an officer with a reason)",
            response=s.FindingListSchema, tag=TAG)
def claim_anomalies(claim_id: int):
    """Open findings, in the order found."""
    principal, session = require_principal(), get_session()
    found = findings.open_findings(session, claims.get_claim(session, principal, claim_id))
    return s.FindingListSchema().dump({"items": [_finding(f) for f in found]})


def _finding(f) -> dict:
    return {"id": f.id, "rule": f.rule, "line": f.line_key or None, "detail": f.detail, "found_at": f.found_at,
            "dismissed_by": f.dismissed_by, "dismissal_reason": f.dismissal_reason}


@bp.post("/claims/<int:claim_id>/findings/<int:finding_id>/dismissal")
@open_to(OFFICER)
@documented(summary="Dismiss a finding as explained (officer of the district), with the reason; 409 when "
                    "already dismissed", body=s.DismissalSchema, response=s.FindingSchema, tag=TAG)
def dismiss_finding(claim_id: int, finding_id: int):
    """The reason is kept with the finding and in the audit log."""
    principal, session = require_principal(), get_session()
    data = load_body(s.DismissalSchema())
    return s.FindingSchema().dump(_finding(findings.dismiss(session, principal, claim_id, finding_id,
                                                            data["reason"])))


@bp.post("/claims/<int:claim_id>/submit")
@documented(summary="Submit a draft claim to the programme (manager, finance); its lines are frozen; "
                    "409 when already submitted", response=s.ClaimSchema, tag=TAG)
def submit_claim(claim_id: int):
    """Draft → submitted."""
    principal, session = require_principal(), get_session()
    claim = claims.submit_claim(session, principal, claim_id)
    return s.ClaimSchema().dump(claims.claim_view(session, claim))


@bp.post("/claims/<int:claim_id>/review")
@open_to(OFFICER)
@documented(summary="Review a submitted claim line by line (officer of its district): approved_fen up to the "
                    "claimed amount, a reason when less; status approved, partly_approved or rejected",
            body=s.ClaimReviewSchema, response=s.ClaimSchema, tag=TAG)
def review_claim(claim_id: int):
    """Every line decided at once."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ClaimReviewSchema())
    claim = reviews.review_claim(session, principal, claim_id, data["lines"])
    return s.ClaimSchema().dump(claims.claim_view(session, claim))


@bp.post("/claims/<int:claim_id>/disbursements")
@open_to(OFFICER)
@documented(summary="Record a payment on an approved claim (an officer other than the approver); 409 without "
                    "approval, 422 above what is approved and unpaid",
            body=s.DisbursementCreateSchema, response=s.ClaimSchema, status=201, tag=TAG)
def disburse(claim_id: int):
    """Cash in, the approved amount down."""
    principal, session = require_principal(), get_session()
    data = load_body(s.DisbursementCreateSchema())
    reviews.disburse(session, principal, claim_id, amount_fen=data["amount_fen"], paid_on=data["date"],
                     reference=data["reference"])
    return s.ClaimSchema().dump(claims.claim_view(session, claims.get_claim(session, principal, claim_id))), 201


@bp.post("/claims/<int:claim_id>/clawbacks")
@open_to(OFFICER)
@documented(summary="Recover money paid on a claim that was found unjustified (officer), with a reason; 422 "
                    "above what was paid and not yet recovered",
            body=s.ClawbackCreateSchema, response=s.ClaimSchema, status=201, tag=TAG)
def claw_back(claim_id: int):
    """A new entry, never an edit of the payment."""
    principal, session = require_principal(), get_session()
    data = load_body(s.ClawbackCreateSchema())
    reviews.claw_back(session, principal, claim_id, amount_fen=data["amount_fen"], reason=data["reason"])
    return s.ClaimSchema().dump(claims.claim_view(session, claims.get_claim(session, principal, claim_id))), 201
