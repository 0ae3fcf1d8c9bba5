"""Pure billing rules: no database, no session (tested without one).

Aging buckets and the 3-year limitation (民法典 Art. 188) of an account, the contractual
late-charge formula (违约金, see `services/late_fees.py` for the daily accrual), a bill's status,
percentages with one decimal, and what is wrong with an amount or a reason given to a service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Optional

from pms.core.i18n import translate as _
from pms.core.money import round_half_up
from pms.core.periods import add_years


AGING_BUCKETS = ("0-30", "31-90", "91-365", "365+")
LIMITATION_YEARS = 3  # 民法典 Art. 188


def aging_bucket(days_overdue: int) -> str:
    """1–30 → '0-30', 31–90, 91–365, more → '365+'."""
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 90:
        return "31-90"
    if days_overdue <= 365:
        return "91-365"
    return "365+"


def limitation_flag(due_date: date, last_payment: Optional[date], last_demand: Optional[date],
                    as_of: date) -> bool:
    """More than 3 years since the later of the due date, the last payment and the last demand."""
    start = max(d for d in (due_date, last_payment, last_demand) if d is not None)
    return as_of > add_years(start, LIMITATION_YEARS)


@dataclass(frozen=True)
class Clause:
    """The late-charge clause of a fee plan."""

    daily_rate_per_10k: int
    grace_days: int = 0
    cap_percent: Optional[int] = None

    def first_charged_day(self, due_date: date) -> date:
        return due_date + timedelta(days=self.grace_days + 1)


def clause_of(rate: Optional[int], grace: Optional[int], cap: Optional[int]) -> Optional[Clause]:
    """The clause from a plan's three columns; None when the contract has none (rate NULL)."""
    if rate is None:
        return None
    return Clause(daily_rate_per_10k=rate, grace_days=grace or 0, cap_percent=cap)


def late_fee_fen(*, payable_fen: int, due_date: date, clause: Optional[Clause],
                 payments: Iterable[tuple[date, int]], as_of: date) -> int:
    """The bill's late charge as of a day, in fen (pure: no database).

    payments: (business day, fen) of every allocation to the bill, negative for money taken back,
    and of every credit note on it (a credit lowers the outstanding amount from its day on, like
    a payment).
    """
    if clause is None or clause.daily_rate_per_10k == 0:
        return 0
    first = clause.first_charged_day(due_date)
    if as_of < first:
        return 0
    events = sorted(payments)
    outstanding, i = payable_fen, 0
    while i < len(events) and events[i][0] <= first:
        outstanding -= events[i][1]
        i += 1
    fen_days, day = 0, first
    while True:
        next_change = events[i][0] if i < len(events) else None
        end = as_of if next_change is None or next_change > as_of else next_change - timedelta(days=1)
        fen_days += max(outstanding, 0) * ((end - day).days + 1)
        if end == as_of:
            break
        day = next_change
        while i < len(events) and events[i][0] == day:
            outstanding -= events[i][1]
            i += 1
    total = round_half_up(Decimal(fen_days * clause.daily_rate_per_10k) / 10000)
    if clause.cap_percent is not None:
        total = min(total, round_half_up(Decimal(payable_fen * clause.cap_percent) / 100))
    return total


def bill_status(payable_fen: int, paid_fen: int, waived_fen: int) -> str:
    """open while something is owed; void when credited in full with nothing paid; else paid."""
    if paid_fen + waived_fen < payable_fen:
        return "open"
    return "void" if paid_fen == 0 and waived_fen > 0 else "paid"


def amount_errors(amount_fen) -> list[str]:
    """What is wrong with an amount of money given to a service (nothing: [])."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        return [_("A whole number of fen is required.")]
    if amount_fen <= 0:
        return [_("The amount must be greater than zero.")]
    return []


def reason_errors(reason: str) -> list[str]:
    """What is wrong with the reason of a correction (required, at most 255 characters)."""
    if not reason:
        return [_("A reason is required.")]
    if len(reason) > 255:
        return [_("At most 255 characters.")]
    return []


def percent_one_decimal(numerator: int, denominator: int) -> Optional[str]:
    """97 of 120 → '80.8' (half-up on the permille); None when nothing was due."""
    if denominator == 0:
        return None
    # Not core.money.divide_half_up(1000 * numerator, denominator): that rounds ties away from zero,
    # this one up, so they differ below zero (-1 of 2000: permille 0 here, -1 there).
    permille = (2000 * numerator + denominator) // (2 * denominator)
    return f"{permille // 10}.{permille % 10}"
