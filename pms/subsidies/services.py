"""Subsidy programmes: the minimal registry fee plans name (the subsidies issue extends it)."""
from __future__ import annotations

import re
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit
from pms.core.auth import Principal, system_principal
from pms.core.errors import Conflict, Invalid
from pms.estates import divisions
from pms.subsidies import permissions
from pms.subsidies.models import PROGRAM_KINDS, Program

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def find_program(session, code: str) -> Optional[Program]:
    """A programme by code (unscoped: programmes are public district data)."""
    return session.scalar(select(Program).where(Program.code == code))


def programs_by_code(session, codes) -> dict[str, Program]:
    """The programmes with these codes, by code."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return {p.code: p for p in session.scalars(select(Program).where(Program.code.in_(codes)))}


def create_program(session, code: str, name: str, *, district_code: str, kind: str,
                   budget_fen: Optional[int] = None, actor: str = "system",
                   principal: Optional[Principal] = None) -> Program:
    """Register a programme of a district; its code is unique. `principal`: who asks (default the
    platform, as for the CLI, jobs and the demo); 403 unless the permission table lets them."""
    permissions.ensure(principal or system_principal(), "program.create")
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        errors["code"] = [_("1 to 32 letters, digits, '.', '_' or '-'.")]
    if not name or len(name) > 128:
        errors["name"] = [_("A name of 1 to 128 characters is required.")]
    if kind not in PROGRAM_KINDS:
        errors["kind"] = [_("One of: %(kinds)s.", kinds=", ".join(PROGRAM_KINDS))]
    if budget_fen is not None and budget_fen < 0:
        errors["budget_fen"] = [_("Must not be negative.")]
    # Any district of the national division codes, before any of its estates is imported.
    district = divisions.district_for(session, district_code or "")
    if district is None:
        errors["district"] = [_("Unknown district %(code)s.", code=district_code)]
    if errors:
        raise Invalid(_("The programme cannot be created."), fields=errors)
    if find_program(session, code) is not None:
        raise Conflict(_("Programme %(code)s already exists.", code=code))
    program = Program(code=code, name=name, district_id=district.id, kind=kind, budget_fen=budget_fen)
    session.add(program)
    session.flush()
    audit.record(session, actor=actor, action="program.create", object_type="program",
                 object_id=program.id, payload={"code": code, "name": name, "district": district.code,
                                                "kind": kind, "budget_fen": budget_fen})
    return program
