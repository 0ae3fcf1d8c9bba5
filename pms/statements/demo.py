"""Documents demo: something of each kind to look at. The demo resident's room pays at the front
desk (a receipt), a second payment is taken back (its receipt stamped void, a reversal note), and
finance prints the arrears notices of the first estate's first building in arrears (a written
demand per room), and the manager publishes the first estate's annual public notice (公示) of the
demo's year, to date. The bills and the credit note come from the billing and subsidies demos; the
resident's statements, receipts, the notices and the public notice are issued here (rendered and
kept in the archive: `pms documents verify` knows them).

Runs last (after billing, maintenance and subsidies: the notice reads them all); flush only, once.
"""
from __future__ import annotations

from sqlalchemy import select

from pms.accounts.models import User
from pms.accounts.services import build_principal
from pms.billing.models import Bill, Demand, Receipt
from pms.billing.services.payments import record_payment, reverse_payment
from pms.estates.models import Building, Estate, Room
from pms.statements import notices, public_notice, receipts, services
from pms.statements.models import PublicNotice

ORDER = 90


def seed(session, ctx) -> None:
    """Two desk payments (one reversed), a notice run and a published public notice (flush only; once)."""
    _documents(session, ctx)
    _public_notice(session, ctx)


def _public_notice(session, ctx) -> None:
    """The manager publishes the first estate's notice of the year the demo's bills are in."""
    if not ctx.estates or "manager" not in ctx.users:
        return
    estate = session.get(Estate, ctx.estates[0].id)
    if session.scalar(select(PublicNotice.id).where(PublicNotice.estate_id == estate.id).limit(1)) is not None:
        return
    period = session.scalar(select(Bill.period).where(Bill.estate_id == estate.id).order_by(Bill.period.desc())
                            .limit(1))
    year = min(int(period[:4]), ctx.today.year) if period else ctx.today.year
    manager = build_principal(session, session.get(User, ctx.users["manager"].id))
    notice = public_notice.publish(session, manager, estate, year)
    public_notice.public_notice_pdf(session, public_notice.document(notice), estate=estate, issued_by=manager.username)
    if hasattr(ctx, "note"):
        ctx.note(f"public notice: {estate.code} {year} published (version {notice.version})"
                 + (", to date" if notice.data["to_date"] else ""))


def _documents(session, ctx) -> None:
    if not ctx.estates or "finance" not in ctx.users or not ctx.resident_room \
            or session.scalar(select(Receipt.id).where(Receipt.kind == "reversal_note").limit(1)) is not None:
        return
    finance = build_principal(session, session.get(User, ctx.users["finance"].id))
    room = session.scalar(select(Room).where(Room.code == ctx.resident_room))
    owed = session.scalar(select(Bill.payable_fen - Bill.waived_fen - Bill.paid_fen)
                          .where(Bill.room_id == room.id, Bill.status == "open").order_by(Bill.period).limit(1))
    paid = record_payment(session, finance, room_code=room.code, amount_fen=owed or 10000, channel="wechat",
                          reference="DEMO-WX-0001")
    wrong = record_payment(session, finance, room_code=room.code, amount_fen=5000, channel="cash",
                           reference="DEMO-CASH-0002")
    reverse_payment(session, finance, wrong.id, reason="收款金额录入错误，已退还现金")
    estate = session.get(Estate, ctx.estates[0].id)
    building = session.scalar(
        select(Building.code).join(Room, Room.building_id == Building.id).join(Bill, Bill.room_id == Room.id)
        .where(Bill.estate_id == estate.id, Bill.status == "open", Bill.due_date < ctx.today,
               Room.id != room.id).order_by(Building.code).limit(1))
    printed = 0
    if building is not None:
        data, printed = notices.issue_notices(session, finance, estate.code, building=building)
        notices.notices_pdf(session, data, issued_by=finance.username)
    _issue_room_documents(session, room, issued_by=finance.username)
    demands = session.scalar(select(Demand.id).where(Demand.method == notices.METHOD).limit(1))
    if hasattr(ctx, "note"):
        ctx.note(f"documents: receipts for {room.code} ({paid.receipt} kept, another void with its reversal note); "
                 f"arrears notices of {estate.code} building {building}: {printed} demands recorded"
                 + ("" if demands else " (nobody in arrears)"))


def _issue_room_documents(session, room: Room, *, issued_by: str) -> None:
    """The room's statements and receipts, issued (rendered once and kept) as the resident would get them."""
    for bill in session.scalars(select(Bill).where(Bill.room_id == room.id).order_by(Bill.period)):
        services.statement_pdf(session, bill, issued_by=issued_by)
    for receipt in session.scalars(select(Receipt).where(Receipt.room_id == room.id).order_by(Receipt.id)):
        receipts.receipt_pdf(session, receipt, issued_by=issued_by)
