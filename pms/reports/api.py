"""The portal's read-only API for government systems: the same figures and rows as its pages."""
from __future__ import annotations

from flask import Blueprint, Response

from pms.core import audit
from pms.core.api import load_args
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.core.pdf import pdf_response
from pms.reports import schemas as s
from pms.reports.services import audit_report, overview as ov, rows as tables

bp = Blueprint("reports_api", __name__)
TAG = "reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _programs(money: list[ov.Money]) -> list[dict]:
    """Programme rows with their estates nested."""
    out: list[dict] = []
    for m in money:
        if m.estate is None:
            out.append({**s.MoneySchema().dump(m), "estates": []})
        else:
            out[-1]["estates"].append(s.MoneySchema().dump(m))
    return out


@bp.get("/reports/overview")
@documented(summary="The district's portal (auditors and officers: their own; the platform names `district`): "
                    "money per programme and estate, and per estate collection, repairs, elder care and open "
                    "anomalies for a month or a year", query=s.PortalQuerySchema, response=s.OverviewSchema, tag=TAG)
def overview():
    """The overview as JSON."""
    args = load_args(s.PortalQuerySchema())
    o = ov.overview(get_session(), require_principal(), district=args["district"], period=args["period"])
    return s.OverviewSchema().dump({
        "district": o.district.code, "district_name": o.district.name, "period": o.span.text,
        "first_month": o.span.first, "last_month": o.span.last, "as_of": o.as_of,
        "programs": _programs(o.money), "estates": o.estates, "total": o.total})


@bp.get("/reports/programs/<code>")
@documented(summary="One programme of the district: its money per estate for a month or a year",
            query=s.PortalQuerySchema, response=s.ProgramMoneySchema, tag=TAG)
def program(code):
    """A programme's money as JSON."""
    args = load_args(s.PortalQuerySchema())
    session = get_session()
    district = ov.district_for(session, require_principal(), args["district"])
    found = audit_report.program_in_district(session, district, code)
    return _programs(ov.money(session, district, ov.parse_span(args["period"]), program_code=found.code))[0]


@bp.get("/reports/programs/<code>/report")
@documented(summary="The programme's audit report for a month or a year as a PDF; printing seals the audit "
                    "log and the PDF prints the seal", query=s.PortalQuerySchema, content_type="application/pdf",
            tag=TAG)
def program_report(code):
    """The audit report PDF."""
    args = load_args(s.PortalQuerySchema())
    return pdf_response(*audit_report.print_report(get_session(), require_principal(), code, period=args["period"],
                                                   district=args["district"]))


@bp.get("/reports/rows/<kind>")
@documented(summary="The rows behind a figure — kind: claims, claim_lines, findings, allocations, bills, tickets, "
                    "visits (the last three need `estate`); narrowed by programme and estate; ID numbers masked; "
                    "format=json (paged by limit/offset) | csv | xlsx (every row)",
            query=s.RowsQuerySchema, response=s.RowsSchema, formats=("text/csv", XLSX), tag=TAG)
def rows(kind):
    """A page of rows, or all of them as an export."""
    args = load_args(s.RowsQuerySchema())
    session, principal = get_session(), require_principal()
    filters = tables.Filters(ov.district_for(session, principal, args["district"]), ov.parse_span(args["period"]),
                             program=args["program"], estate=args["estate"])
    if args["format"] != "json":
        found = tables.export_table(session, kind, filters)
        body, mimetype = ((tables.export_csv(found), "text/csv") if args["format"] == "csv"
                          else (tables.export_xlsx(found), XLSX))
        name = tables.export_name(kind, filters, args["format"])
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    found = tables.table(session, kind, filters, limit=args["limit"], offset=args["offset"])
    return s.RowsSchema().dump({
        "kind": found.kind, "total": found.total, "limit": args["limit"], "offset": args["offset"],
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in found.columns],
        "items": [{c.key: tables.json_value(row.get(c.key)) for c in found.columns} for row in found.rows]})


@bp.get("/reports/seals/<mac>")
@documented(summary="Check a seal printed on an audit report: still in the database, genuine, and the audit "
                    "log unchanged up to it (`ok` false otherwise, with why)", response=s.SealCheckSchema, tag=TAG)
def seal(mac):
    """The printed seal's check."""
    session, principal = get_session(), require_principal()
    ov.district_for(session, principal, None)  # who may read the portal
    found, breach = audit.check_printed_seal(session, mac[:64])
    return s.SealCheckSchema().dump({
        "ok": breach is None, "detail": breach.detail if breach else None,
        "seq": found.seq if found else None, "head_hash": found.head_hash if found else None,
        "sealed_at": found.sealed_at if found else None, "reason": found.reason if found else None})
