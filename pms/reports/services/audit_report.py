"""The audit report of one programme and span (审计报告): its money per estate, its claims, its
open anomalies, and the audit chain's seal at the moment it was printed.

Printing a report seals the chain's head (`core.audit.seal`, reason "report"; the same head is
not sealed twice) in its own transaction and prints the seal: a reader who keeps the paper can
later ask `pms audit verify --seal MAC` (or the portal's seal check) whether the database still
holds that seal and the chain still matches it — a rewrite of the chain, or a deleted seal, is
then visible even to someone who trusts nothing in the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from pms.core import audit, clock
from pms.core.auth import Principal
from pms.core.errors import NotFound
from pms.core.models import AuditSeal
from pms.reports.services import overview as ov
from pms.reports.services import rows as tables
from pms.subsidies.models import Program

REPORT_ROWS = 2000  # claims and findings printed; beyond, the report says how many more the export has


@dataclass
class AuditReport:
    program: Program
    district: object
    span: ov.Span
    head: ov.Money
    estates: list[ov.Money]
    months: list[ov.MonthMoney]
    claims: tables.Table
    findings: tables.Table
    seal: Optional[AuditSeal]
    printed_at: datetime
    printed_by: str


def program_in_district(session, district, code: str) -> Program:
    """The district's programme by code, else 404."""
    program = session.scalar(select(Program).where(Program.code == code, Program.district_id == district.id))
    if program is None:
        raise NotFound("program not found")
    return program


def build(session, principal: Principal, code: str, *, period: Optional[str] = None,
          district: Optional[str] = None) -> AuditReport:
    """The report's figures, read in one transaction; the seal is taken by `seal_for_report`."""
    found = ov.district_for(session, principal, district)
    span = ov.parse_span(period)
    program = program_in_district(session, found, code)
    money = ov.money(session, found, span, program_code=program.code)
    head, estates = money[0], money[1:]
    filters = tables.Filters(found, span, program=program.code)
    return AuditReport(program, found, span, head, estates, ov.money_by_month(session, found, span, program.code),
                       tables.table(session, "claims", filters, limit=REPORT_ROWS),
                       tables.table(session, "findings", filters, limit=REPORT_ROWS),
                       None, clock.now(), principal.display_name or principal.username)


def print_report(reading, principal: Principal, code: str, *, period: Optional[str] = None,
                 district: Optional[str] = None) -> tuple[bytes, str]:
    """The report's PDF and file name, for the page and the API alike: its figures read in the
    request's (reading) session, which is then closed so the seal's own short unit of work never
    waits on it; the seal is committed before it is printed (the system's act, not the reader's)."""
    from pms.core.db import unit_of_work

    report = build(reading, principal, code, period=period, district=district)
    reading.close()
    from pms.documents import services as documents

    with unit_of_work() as session:
        report.seal = audit.seal(session, reason="report")
    # Issued under its seal: the same seal means the same log, so a reprint is the kept file.
    ref = documents.DocumentRef("audit_report", document_number(report), documents.reader_variant(),
                                district_id=report.district.id)
    with unit_of_work() as session:  # the render holds no write lock: the record is written last
        pdf = documents.issued_pdf(session, ref, "audit_report.html", lambda: {"r": report},
                                   issued_by=principal.username)
    return pdf, file_name(report)


def document_number(report: AuditReport) -> str:
    """`<PROGRAMME>-<SPAN>-S<seal id>`: one report per programme, span and seal."""
    return f"{report.program.code}-{report.span.text}-S{report.seal.id if report.seal else 0}"


def file_name(report: AuditReport) -> str:
    return f"audit-{report.program.code}-{report.span.text}.pdf"
