"""What a print run prints, per kind: one `BuildingJob` per building, documents in room order.

- statements: the bills of a period (a cover page first), owners' names masked;
- receipts: the receipts and reversal notes issued in a date range (business days, Asia/Shanghai),
  room order then number, the payers' names masked like the statements' (paper for mailboxes);
- notices: today's arrears notices, one page per room in arrears (`notices.plan_notices`). Their
  demands are recorded by the caller after each building's PDF is in place (`record_building`).

Every plan reads its data in a few set-based queries (receipts: one document at a time, they are
few per day) and hands the workers plain dicts.
"""
from __future__ import annotations

import hashlib

from collections import defaultdict
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import select

from pms.billing.models import Receipt
from pms.core.clock import start_of_day_utc
from pms.core.codes import natural_key
from pms.core.errors import Invalid, NotFound
from pms.core.i18n import translate as _
from pms.estates.models import Building, Estate, Room
from pms.estates.rules import mask_name
from pms.statements import notices, receipts, services
from pms.statements.printing import BuildingJob, Sink, file_stem, make_job, template_fingerprint

KINDS = ("statements", "receipts", "notices")


def plan_statements(session, estate_code: str, period: str, sink: Sink, *, building: Optional[str] = None,
                    locale: str = "zh_CN") -> list[BuildingJob]:
    """One job per building with bills in the period (NotFound: unknown estate or no bills)."""
    estate = services.find_estate(session, estate_code)
    groups = services.building_statements(session, estate, period, building)
    if not groups:
        if building:
            raise NotFound(_("no bills for estate %(estate)s in building %(building)s in period "
                             "%(period)s", estate=estate.code, building=building, period=period))
        raise NotFound(_("no bills for estate %(estate)s in period %(period)s", estate=estate.code, period=period))
    fingerprint = template_fingerprint()
    jobs = []
    for code, statements in groups.items():
        cover = services.building_summary(estate.code, period, code, statements)
        jobs.append(make_job(kind="statements", estate=estate.code, label=period, building=code,
                             stem=file_stem(estate.code, period, code), numbers=[s["number"] for s in statements],
                             template="statements.html", context={"statements": statements, "cover": cover},
                             sink=sink, locale=locale, fingerprint=fingerprint, total_fen=cover["total_fen"]))
    return jobs


def range_label(start: date, end: date) -> str:
    """20260201-20260228: a receipts run's dates in its file names."""
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


def plan_receipts(session, estate_code: str, start: date, end: date, sink: Sink, *,
                  building: Optional[str] = None, locale: str = "zh_CN") -> list[BuildingJob]:
    """One job per building with receipts issued from `start` to `end` (both included)."""
    if end < start:
        raise Invalid(_("The range ends before it starts."), fields={"to": [_("Must not be before the start.")]})
    estate = services.find_estate(session, estate_code)
    stmt = (select(Receipt, Building.code).join(Room, Room.id == Receipt.room_id)
            .join(Building, Building.id == Room.building_id)
            .where(Receipt.estate_id == estate.id, Receipt.issued_at >= start_of_day_utc(start),
                   Receipt.issued_at < start_of_day_utc(end + timedelta(days=1))))
    if building is not None:
        stmt = stmt.where(Building.code == building)
    by_building: dict[str, list[dict]] = defaultdict(list)
    for receipt, code in session.execute(stmt):
        document = receipts.receipt_document(session, receipt)
        # Paper for mailboxes, as the statements' runs: the payers' names masked.
        document["owners"] = [mask_name(name) for name in document["owners"]]
        by_building[code].append(document)
    if not by_building:
        raise NotFound(_("no receipts for estate %(estate)s from %(start)s to %(end)s",
                         estate=estate.code, start=start.isoformat(), end=end.isoformat()))
    fingerprint, label = template_fingerprint(), range_label(start, end)
    jobs = []
    for code in sorted(by_building, key=natural_key):
        documents = sorted(by_building[code], key=lambda r: (natural_key(r["room"]), r["number"]))
        jobs.append(make_job(kind="receipts", estate=estate.code, label=label, building=code,
                             stem=file_stem("receipts", estate.code, label, code),
                             numbers=[r["number"] for r in documents], template="receipts.html",
                             context={"receipts": documents}, sink=sink, locale=locale, fingerprint=fingerprint,
                             total_fen=sum(r["amount_fen"] for r in documents if r["kind"] != "reversal_note")))
    return jobs


def plan_notices(session, principal, estate_code: str, sink: Sink, *, building: Optional[str] = None,
                 locale: str = "zh_CN") -> list[BuildingJob]:
    """One job per building with rooms in arrears today (none: an empty list)."""
    from pms.core.money import format_fen
    from pms.estates.models import Company

    estate, found = notices.plan_notices(session, principal, estate_code, building=building)
    company = session.get(Company, estate.company_id)
    by_building: dict[str, list] = defaultdict(list)
    for notice in found:
        by_building[notice.building].append(notice)
    fingerprint, day = template_fingerprint(), notices.clock.today()
    jobs = []
    for code in sorted(by_building, key=natural_key):
        rows = by_building[code]
        data = {"company": company.name, "company_id": company.id, "estate_id": estate.id,
                "estate": {"code": estate.code, "name": estate.name}, "day": day,
                "building": code, "notices": rows, "total_text": format_fen(sum(n.total_fen for n in rows))}
        stem = notices.file_name(data)[: -len(".pdf")]
        jobs.append(make_job(kind="notices", estate=estate.code, label=f"{day:%Y%m%d}", building=code, stem=stem,
                             numbers=[n.number for n in rows], template="arrears_notice.html", context={"d": data},
                             sink=sink, locale=locale, fingerprint=fingerprint,
                             total_fen=sum(n.total_fen for n in rows),
                             identifier=notices.notice_ref(data, locale).identifier))
    return jobs


def record_building(session, principal, job: BuildingJob) -> int:
    """After a notices building's PDF is in place: its rooms' demands (none twice a day)."""
    if job.kind != "notices":
        return 0
    from pms.documents import services as documents

    estate = session.scalar(select(Estate).where(Estate.code == job.estate))
    recorded = notices.record_demands(session, principal, estate, job.context["d"]["notices"], building=job.building)
    # The building's notices are an issued document: kept in the archive with the demands. Printed
    # again the same day (the CLI writes every file again), the file becomes the kept one.
    ref = notices.notice_ref(job.context["d"], job.locale)
    kept, printed = documents.find(session, ref), job.sink.read(job.pdf_name)
    if kept is None:
        documents.keep(session, ref, printed, issued_by=principal.username)
    elif hashlib.sha256(printed or b"").hexdigest() != kept.sha256:
        job.sink.write(job.pdf_name, documents.stored(kept), "application/pdf")
    return recorded


def estate_buildings(session, estate: Estate) -> list[str]:
    """The estate's building codes in natural order (the web form's choice)."""
    return sorted(session.scalars(select(Building.code).where(Building.estate_id == estate.id)), key=natural_key)
