"""Programme pages: the district's programmes with budget, allocated, left and period
(`/programs`), and a programme's allocations per estate with the officer's form to add one
(`/programs/<code>`). Officers work here; auditors and the platform read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pms.core.api import load_data
from pms.core.auth import OFFICER, Principal, login_required, open_to, require_principal, scoped
from pms.core.db import get_session
from pms.core.forms import form_spec, handles
from pms.core.money import format_fen
from pms.estates.models import Estate
from pms.subsidies import permissions
from pms.subsidies import schemas as s
from pms.subsidies.services import allocations, programs

bp = Blueprint("subsidies", __name__)

ALLOCATION_FORM = form_spec("allocation", {"estate": _l("Estate"), "amount": _l("Amount (yuan)")},
                            aliases={"amount_fen": "amount"})


def _browse(principal: Principal) -> None:
    permissions.ensure(principal, "program.browse")


@bp.get("/programs")
@login_required
def program_list():
    """The programmes of the caller's district (the platform: all) with their totals."""
    principal, session = require_principal(), get_session()
    _browse(principal)
    return render_template("subsidies/programs.html", programs=programs.list_programs(session, principal))


def _program_page(code: str):
    principal, session = require_principal(), get_session()
    _browse(principal)
    program = programs.get_program(session, principal, code)
    desk = principal.role in permissions.DESK_ROLES and permissions.may(principal, "allocation.create")
    estates = []
    if desk:
        estates = [(e.code, f"{e.name} ({e.code})") for e in session.scalars(scoped(
            select(Estate).where(Estate.district_id == program.district_id).order_by(Estate.code),
            Estate, principal))]
    return render_template("subsidies/program.html", program=programs.program_summary(session, program),
                           groups=allocations.allocations_by_estate(session, principal, program),
                           desk=desk, estates=estates)


@bp.get("/programs/<code>")
@login_required
def program_page(code):
    """A programme: its totals, its allocations per estate and (officers) the form to add one."""
    return _program_page(code)


@bp.post("/programs/<code>/allocations")
@open_to(OFFICER)
@login_required
@handles(ALLOCATION_FORM, _program_page)
def add_allocation(code):
    """Allocate part of the budget to an estate; a refusal comes back with the input kept."""
    principal, session = require_principal(), get_session()
    _browse(principal)
    data = load_data(s.ProgramAllocationFormSchema(), request.form.to_dict())
    allocation = allocations.allocate(session, principal, code, data["estate"], data["amount"])
    flash(_("%(amount)s allocated to %(estate)s.", amount=format_fen(allocation.amount_fen),
            estate=data["estate"]), "success")
    return redirect(url_for("subsidies.program_page", code=code))
