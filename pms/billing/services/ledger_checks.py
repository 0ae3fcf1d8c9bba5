"""The ledger checks run by `pms audit verify`: the journal against the documents it records.

Each check is one aggregate query that answers the first broken record (or None):
- journal_balanced: every entry's lines sum to zero;
- room_receivable: per room, the receivable ledger = Σ bills (payable − paid − waived);
- room_prepayment: per room, the prepayment ledger = −(Σ payments − Σ allocations − Σ reversed);
- bill_paid: per bill, paid_fen = Σ its allocations;
- room_late_fees: per room, the late-fee receivable ledger = Σ accruals − Σ settlements (paid, waived);
- bill_credited: per bill, waived_fen = Σ its credit notes;
- receipt_numbers: per company and year, the receipts are numbered 1..n with no gap, and the
  counter's last number is n (a number used without its receipt, or a receipt past the counter).
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import case, func, literal, select, union_all

from pms.billing.services.ledger import first_unbalanced_entry
from pms.billing.models import (Bill, CreditNote, JournalLine, LateFeeAccrual, LateFeeSettlement, NumberCounter,
                                Payment, PaymentAllocation, PaymentReversal, Receipt)
from pms.core.audit import Breach, register_check


def _first_nonzero(session, parts, check: str, what: str) -> Optional[Breach]:
    rows = union_all(*parts).subquery()
    stmt = (select(rows.c.room_id, func.sum(rows.c.fen)).group_by(rows.c.room_id)
            .having(func.sum(rows.c.fen) != 0).order_by(rows.c.room_id).limit(1))
    row = session.execute(stmt).first()
    if row is None:
        return None
    return Breach(check, f"room id={row[0]}", f"{what} differs by {row[1]} fen")


def room_receivable_mismatch(session) -> Optional[Breach]:
    """The first room whose receivable ledger balance is not what its bills say it owes."""
    ledger = select(JournalLine.room_id.label("room_id"), JournalLine.amount_fen.label("fen")) \
        .where(JournalLine.account == "receivable")
    outstanding = case((Bill.status == "void", literal(0)),
                       else_=Bill.payable_fen - Bill.paid_fen - Bill.waived_fen)
    bills = select(Bill.room_id.label("room_id"), (-outstanding).label("fen"))
    return _first_nonzero(session, [ledger, bills], "room_receivable",
                          "receivable ledger vs. bills' outstanding")


def room_prepayment_mismatch(session) -> Optional[Breach]:
    """The first room whose prepayment ledger is not minus its unallocated payment money."""
    ledger = select(JournalLine.room_id.label("room_id"), JournalLine.amount_fen.label("fen")) \
        .where(JournalLine.account == "prepayment")
    paid = select(Payment.room_id.label("room_id"), Payment.amount_fen.label("fen"))
    allocated = select(PaymentAllocation.room_id.label("room_id"), (-PaymentAllocation.amount_fen).label("fen"))
    reversed_ = select(Payment.room_id.label("room_id"), (-Payment.amount_fen).label("fen")) \
        .join(PaymentReversal, PaymentReversal.payment_id == Payment.id)
    return _first_nonzero(session, [ledger, paid, allocated, reversed_], "room_prepayment",
                          "prepayment ledger vs. unallocated payments")


def room_late_fee_mismatch(session) -> Optional[Breach]:
    """The first room whose late-fee receivable ledger is not its accruals less its settlements."""
    ledger = select(JournalLine.room_id.label("room_id"), JournalLine.amount_fen.label("fen")) \
        .where(JournalLine.account == "late_fee_receivable")
    accrued = select(LateFeeAccrual.room_id.label("room_id"), (-LateFeeAccrual.amount_fen).label("fen"))
    settled = select(LateFeeSettlement.room_id.label("room_id"), LateFeeSettlement.signed_fen().label("fen"))
    return _first_nonzero(session, [ledger, accrued, settled], "room_late_fees",
                          "late-fee ledger vs. accruals less settlements")


def _first_bill_total_mismatch(session, check: str, column, model, label: str) -> Optional[Breach]:
    """The first bill whose running total `column` is not the sum of its `model` rows' amounts."""
    sums = (select(model.bill_id, func.sum(model.amount_fen).label("fen")).group_by(model.bill_id).subquery())
    row = session.execute(
        select(Bill.number, column, func.coalesce(sums.c.fen, 0))
        .outerjoin(sums, sums.c.bill_id == Bill.id)
        .where(column != func.coalesce(sums.c.fen, 0)).order_by(Bill.id).limit(1)).first()
    if row is None:
        return None
    return Breach(check, f"bill {row[0]}", f"{column.key} {row[1]} but {label} sum to {row[2]}")


def bill_paid_mismatch(session) -> Optional[Breach]:
    """The first bill whose paid_fen is not the sum of its allocations."""
    return _first_bill_total_mismatch(session, "bill_paid", Bill.paid_fen, PaymentAllocation, "allocations")


def bill_credit_mismatch(session) -> Optional[Breach]:
    """The first bill whose waived_fen is not the sum of its credit notes."""
    return _first_bill_total_mismatch(session, "bill_credited", Bill.waived_fen, CreditNote, "credit notes")


def receipt_number_gap(session) -> Optional[Breach]:
    """The first company and year whose receipt numbers are not exactly 1..counter (UNIQUE rules
    out duplicates; count = max = the counter's last number rules out gaps)."""
    per_year = (select(Receipt.company_id, Receipt.year, func.count().label("n"), func.max(Receipt.seq).label("top"))
                .group_by(Receipt.company_id, Receipt.year).subquery())
    counters = select(NumberCounter.company_id, NumberCounter.year, NumberCounter.last_seq) \
        .where(NumberCounter.series == "receipt").subquery()
    row = session.execute(
        select(counters.c.company_id, counters.c.year, counters.c.last_seq, func.coalesce(per_year.c.n, 0),
               func.coalesce(per_year.c.top, 0))
        .outerjoin(per_year, (per_year.c.company_id == counters.c.company_id) & (per_year.c.year == counters.c.year))
        .where((func.coalesce(per_year.c.n, 0) != counters.c.last_seq)
               | (func.coalesce(per_year.c.top, 0) != counters.c.last_seq))
        .order_by(counters.c.company_id, counters.c.year).limit(1)).first()
    if row is None:
        # Receipts of a company and year without a counter row at all.
        orphan = session.execute(select(per_year.c.company_id, per_year.c.year, per_year.c.n, per_year.c.top)
                                 .outerjoin(counters, (counters.c.company_id == per_year.c.company_id)
                                            & (counters.c.year == per_year.c.year))
                                 .where(counters.c.company_id.is_(None)).limit(1)).first()
        if orphan is None:
            return None
        return Breach("receipt_numbers", f"company id={orphan[0]} year {orphan[1]}",
                      f"{orphan[2]} receipts up to number {orphan[3]} but no counter")
    return Breach("receipt_numbers", f"company id={row[0]} year {row[1]}",
                  f"counter at {row[2]} but {row[3]} receipts up to number {row[4]}")


def register_checks() -> None:
    """Add the billing integrity checks to `pms audit verify`."""
    register_check("journal_balanced", first_unbalanced_entry)
    register_check("room_receivable", room_receivable_mismatch)
    register_check("room_prepayment", room_prepayment_mismatch)
    register_check("bill_paid", bill_paid_mismatch)
    register_check("room_late_fees", room_late_fee_mismatch)
    register_check("bill_credited", bill_credit_mismatch)
    register_check("receipt_numbers", receipt_number_gap)
