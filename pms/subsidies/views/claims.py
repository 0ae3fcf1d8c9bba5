"""Claim pages: the company builds and submits claims (`/claims`), the district's officer reviews
them line by line and a second officer records payments and clawbacks (`/claims/<id>`); auditors
read, with every line's evidence and the findings at the top."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import OFFICER, login_required, open_to, require_principal, scoped
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.fields import Yuan
from pms.core.forms import REFUSALS, FormSpec, form_spec, handles, refused
from pms.core.money import format_fen
from pms.estates.models import Estate
from pms.subsidies import schemas as s
from pms.subsidies.services import claims, findings, programs, reviews

bp = Blueprint("claims", __name__)
ALL_ESTATES = "*"  # the build form's choice of every estate of the district (no estate code has a *)

BUILD_FORM = form_spec("claim-build", {"program": _l("Programme"), "estate": _l("Estate"),
                                       "period": _l("Billing period")})
SUBMIT_FORM = form_spec("claim-submit", {})
REVIEW_FORM = form_spec("claim-review", {})  # its fields are the claim's lines (see _review_spec)
PAY_FORM = form_spec("disbursement", {"amount": _l("Amount (yuan)"), "date": _l("Paid on"),
                                      "reference": _l("Bank reference")}, aliases={"amount_fen": "amount"})
DISMISS_FORM = form_spec("finding-dismissal", {"reason": _l("Why it is not a problem")})
CLAWBACK_FORM = form_spec("clawback", {"amount": _l("Amount (yuan)"), "reason": _l("Why it is recovered")},
                          aliases={"amount_fen": "amount"})


def _list_page():
    principal, session = require_principal(), get_session()
    views = claims.list_claims(session, principal)
    may_build = claims.may_build(principal)
    options = {}
    if may_build:
        options = {
            "programs": [(p.code, f"{p.name} ({p.code})") for p in programs.list_programs(session, principal)],
            "estates": [(ALL_ESTATES, _("Every estate of the programme’s district"))] + [
                (e.code, f"{e.name} ({e.code})") for e in session.scalars(
                    scoped(select(Estate).order_by(Estate.code), Estate, principal))],
            "last_month": periods.add_months(periods.period_of(clock.today()), -1)}
    return render_template("subsidies/claims.html", claims=views, may_build=may_build, **options)


@bp.get("/claims")
@login_required
def claim_list():
    """Claims in scope, newest first; the company's staff also get the form to build one."""
    return _list_page()


@bp.post("/claims")
@login_required
@handles(BUILD_FORM, _list_page)
def build():
    """Build a draft from the period's evidence; its page shows what was taken."""
    principal, session = require_principal(), get_session()
    data = load_data(s.ClaimBuildFormSchema(), request.form.to_dict())
    if data["estate"] == ALL_ESTATES:
        built = claims.build_claims(session, principal, program=data["program"], period=data["period"])
        flash(_("%(n)d claims built, %(total)s in all. Check each, then submit it.", n=len(built),
                total=format_fen(sum(c.total_fen for c in built))), "success")
        return redirect(url_for("claims.claim_list"))
    claim = claims.build_claim(session, principal, **data)
    flash(_("Claim #%(id)d built: %(total)s from %(lines)d pieces of evidence. Check it, then submit it.",
            id=claim.id, total=format_fen(claim.total_fen), lines=len(claims.claim_view(session, claim).lines)),
          "success")
    return redirect(url_for("claims.claim_page", claim_id=claim.id))


def _claim_page(claim_id: int):
    principal, session = require_principal(), get_session()
    claim = claims.get_claim(session, principal, claim_id)
    view = claims.claim_view(session, claim)
    return render_template("subsidies/claim.html", claim=view, findings=findings.all_findings(session, claim),
                           today=clock.today(), **reviews.next_steps(principal, view))


@bp.get("/claims/<int:claim_id>")
@login_required
def claim_page(claim_id: int):
    """The claim: totals, findings, every line with its evidence, and the next step's form."""
    return _claim_page(claim_id)


@bp.post("/claims/<int:claim_id>/submit")
@login_required
@handles(SUBMIT_FORM, _claim_page)
def submit(claim_id: int):
    """Draft → submitted; the lines are frozen."""
    principal, session = require_principal(), get_session()
    claims.submit_claim(session, principal, claim_id)
    flash(_("Claim #%(id)d submitted to the programme.", id=claim_id), "success")
    return redirect(url_for("claims.claim_page", claim_id=claim_id))


def _review_spec(lines) -> FormSpec:
    """The review form of this claim: an approved amount and a reason per line, labelled by row."""
    labels = {}
    for row, line in enumerate(lines, start=1):
        labels[f"approved-{line.id}"] = _("Row %(row)d: approved (yuan)", row=row)
        labels[f"reason-{line.id}"] = _("Row %(row)d: reason", row=row)
    return FormSpec("claim-review", labels)


@bp.post("/claims/<int:claim_id>/review")
@open_to(OFFICER)
@login_required
def review(claim_id: int):
    """Every line's approved amount (yuan) and reason; a refusal comes back beside the row."""
    principal, session = require_principal(), get_session()
    lines = claims.claim_view(session, reviews.claim_to_review(session, principal, claim_id)).lines
    spec = _review_spec(lines)
    try:
        decisions, errors = [], {}
        for line in lines:
            try:
                fen = Yuan(maximum_fen=10 ** 13).deserialize(request.form.get(f"approved-{line.id}", ""))
            except ValidationError as err:
                errors[f"approved-{line.id}"] = err.messages
                continue
            decisions.append({"id": line.id, "approved_fen": fen, "reason": request.form.get(f"reason-{line.id}", "")})
        if errors:
            raise Invalid(_("The review cannot be recorded."), fields=errors)
        try:
            claim = reviews.review_claim(session, principal, claim_id, decisions)
        except Invalid as err:  # the service names lines.N.field: back to this page's inputs
            by_row = {str(i): d["id"] for i, d in enumerate(decisions)}
            fields = {}
            for name, messages in (err.fields or {}).items():
                parts = name.split(".")
                if len(parts) == 3 and parts[1] in by_row:
                    field = "approved" if parts[2] == "approved_fen" else "reason"
                    fields[f"{field}-{by_row[parts[1]]}"] = messages
                else:
                    fields[name] = messages
            raise Invalid(err.message, fields=fields) from err
    except REFUSALS as err:
        return refused(spec, err, _claim_page, claim_id=claim_id)
    flash(_("Claim #%(id)d reviewed: %(status)s, %(approved)s approved.", id=claim.id,
            status=reviews.status_name(claim.status), approved=format_fen(claim.approved_fen)), "success")
    return redirect(url_for("claims.claim_page", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/disbursements")
@open_to(OFFICER)
@login_required
@handles(PAY_FORM, _claim_page)
def disburse(claim_id: int):
    """Record a payment (never by the approver)."""
    principal, session = require_principal(), get_session()
    data = load_data(s.DisbursementFormSchema(), request.form.to_dict())
    reviews.disburse(session, principal, claim_id, amount_fen=data["amount"], paid_on=data["date"],
                     reference=data["reference"])
    flash(_("Payment of %(amount)s recorded.", amount=format_fen(data["amount"])), "success")
    return redirect(url_for("claims.claim_page", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/clawbacks")
@open_to(OFFICER)
@login_required
@handles(CLAWBACK_FORM, _claim_page)
def claw_back(claim_id: int):
    """Recover money found unjustified, with the reason."""
    principal, session = require_principal(), get_session()
    data = load_data(s.ClawbackFormSchema(), request.form.to_dict())
    reviews.claw_back(session, principal, claim_id, amount_fen=data["amount"], reason=data["reason"])
    flash(_("Clawback of %(amount)s recorded.", amount=format_fen(data["amount"])), "success")
    return redirect(url_for("claims.claim_page", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/findings/<int:finding_id>/dismissal")
@open_to(OFFICER)
@login_required
@handles(DISMISS_FORM, _claim_page, instance=lambda claim_id, finding_id: finding_id,
         page_args=lambda claim_id, finding_id: {"claim_id": claim_id})
def dismiss(claim_id: int, finding_id: int):
    """Accept a finding as explained, with the reason."""
    principal, session = require_principal(), get_session()
    findings.dismiss(session, principal, claim_id, finding_id, request.form.get("reason", ""))
    flash(_("Finding dismissed; the reason is kept with it."), "success")
    return redirect(url_for("claims.claim_page", claim_id=claim_id) + "#findings")
