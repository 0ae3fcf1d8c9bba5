"""The auditor's portal pages: the district's overview, a programme, the rows behind any figure
(with CSV/XLSX exports), the audit report PDF and the printed-seal check. Read-only."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from pms.core import audit
from pms.core.api import load_args
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.pagination import Page
from pms.core.pdf import pdf_response
from pms.reports import schemas as s
from pms.reports.services import audit_report, overview as ov, rows as tables

bp = Blueprint("reports", __name__)
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(args) -> tables.Filters:
    session, principal = get_session(), require_principal()
    return tables.Filters(ov.district_for(session, principal, args["district"]), ov.parse_span(args["period"]),
                          program=args["program"], estate=args["estate"])


@bp.get("/reports")
@login_required
def portal():
    """The district's overview: money per programme and estate, figures per estate (the district's
    total, then 50 estates a page: a city district has thousands), charts."""
    args = load_args(s.PortalPageQuerySchema())
    found = ov.overview(get_session(), require_principal(), district=args["district"], period=args["period"])
    page = Page.within(args["page"], PER_PAGE, len(found.estates))
    return render_template("reports/overview.html", o=found, args=args, page=page, estates=page.slice(found.estates))


@bp.get("/reports/programs/<code>")
@login_required
def program_page(code):
    """One programme: its money per estate, a chart of what each estate has used, its claims."""
    args = load_args(s.PortalQuerySchema())
    session, principal = get_session(), require_principal()
    district = ov.district_for(session, principal, args["district"])
    span = ov.parse_span(args["period"])
    program = audit_report.program_in_district(session, district, code)
    money = ov.money(session, district, span, program_code=program.code)
    return render_template("reports/program.html", district=district, span=span, program=program,
                           head=money[0], estates=money[1:], args=args,
                           months=ov.money_by_month(session, district, span, program.code))


@bp.get("/reports/programs/<code>/report.pdf")
@login_required
def program_report(code):
    """The programme's audit report for the span, sealed and with its seal printed."""
    args = load_args(s.PortalQuerySchema())
    return pdf_response(*audit_report.print_report(get_session(), require_principal(), code, period=args["period"],
                                                   district=args["district"]))


@bp.get("/reports/rows/<kind>")
@login_required
def rows_page(kind):
    """The rows behind a figure, 50 at a time, with the filters that narrowed them."""
    args = load_args(s.RowsQuerySchema())
    filters, session = _filters(args), get_session()
    number = max(1, request.args.get("page", 1, type=int) or 1)
    options = tables.choices(session, filters.district)
    if kind in tables.NEEDS_ESTATE and not filters.estate:  # first choose the estate, on the page itself
        found = tables.Table(kind, tables.TITLES[kind], [], [], 0)
    else:
        found = tables.table(session, kind, filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    return render_template("reports/rows.html", t=found, f=filters, args=args, choose_estate=not found.columns,
                           page=Page(number=number, per_page=PER_PAGE, total=found.total), **options)


@bp.get("/reports/rows/<kind>.<any(csv, xlsx):extension>")
@login_required
def rows_export(kind, extension):
    """Every row behind a figure as CSV or XLSX (ID numbers masked)."""
    args = load_args(s.RowsQuerySchema())
    filters = _filters(args)
    found = tables.export_table(get_session(), kind, filters)
    body, mimetype = ((tables.export_csv(found), "text/csv") if extension == "csv"
                      else (tables.export_xlsx(found), XLSX))
    name = tables.export_name(kind, filters, extension)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/seal")
@login_required
def seal_check():
    """Check a seal printed on an audit report against the database and the chain."""
    ov.district_for(get_session(), require_principal(), request.args.get("district"))  # who may read
    mac = (request.args.get("mac") or "").strip()
    found = breach = None
    if mac:
        found, breach = audit.check_printed_seal(get_session(), mac[:64])
    return render_template("reports/seal.html", mac=mac, found=found, breach=breach)
