"""Pure maintenance rules: categories, SLAs, the workflow, warranty ends, inspection years.

No database here, so every rule can be tested with hand-computed dates.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterator, Optional

from flask_babel import lazy_gettext as _l

from pms.core.periods import add_years

# ---- requests ------------------------------------------------------------------------------

CATEGORIES = {
    "plumbing": _l("Plumbing"),              # 上下水
    "electrical": _l("Electrical"),          # 电路
    "roof_leak": _l("Roof leak"),            # 屋面漏水
    "exterior_wall": _l("Exterior wall"),    # 外墙
    "elevator": _l("Elevator"),              # 电梯
    "heating": _l("Heating"),                # 供暖
    "public_lighting": _l("Public lighting"),  # 公共照明
    "access_control": _l("Access control"),  # 门禁
    "greenery": _l("Greenery"),              # 绿化
    "other": _l("Other"),                    # 其他
}
URGENCIES = {"emergency": _l("Emergency"), "urgent": _l("Urgent"), "normal": _l("Normal")}
CHANNELS = {"app": _l("App"), "phone": _l("Phone call"), "walk_in": _l("At the front desk"),
            "visit": _l("During a home visit")}
PAYERS = {"owner": _l("Owner (in-home repair)"), "common": _l("Common (property fee)"),
          "fund": _l("Maintenance fund"), "warranty": _l("Contractor under warranty")}
# Within warranty the contractor pays (建设工程质量管理条例 Art. 41); the fund only after it.
PAYERS_FORBIDDEN_IN_WARRANTY = ("owner", "fund")

# Defaults in minutes: (respond, resolve). Estates override them in SlaPolicy.
SLA_DEFAULTS = {
    "emergency": (30, 24 * 60),
    "urgent": (2 * 60, 72 * 60),
    "normal": (24 * 60, 7 * 24 * 60),
}


def sla_deadlines(submitted_at: datetime, respond_minutes: int,
                  resolve_minutes: int) -> tuple[datetime, datetime]:
    """(respond_by, resolve_by): the submit instant plus the SLA minutes (wall-clock, 24/7)."""
    return (submitted_at + timedelta(minutes=respond_minutes),
            submitted_at + timedelta(minutes=resolve_minutes))


# ---- the workflow --------------------------------------------------------------------------

STATUSES = {
    "submitted": _l("Submitted"), "accepted": _l("Accepted"), "assigned": _l("Assigned"),
    "in_progress": _l("In progress"), "resolved": _l("Resolved"), "closed": _l("Closed"),
    "reopened": _l("Reopened"), "cancelled": _l("Cancelled"),
}
OPEN_STATUSES = ("submitted", "accepted", "assigned", "in_progress", "reopened")

# The moves (from, to) of the workflow. Who may make a move is the permission table's
# ("ticket.move.<to>" in pms/maintenance/permissions.py).
TRANSITIONS: tuple[tuple[str, str], ...] = (
    ("submitted", "accepted"),
    ("submitted", "cancelled"),
    ("accepted", "assigned"),
    ("accepted", "cancelled"),
    ("assigned", "in_progress"),
    ("in_progress", "resolved"),
    ("resolved", "closed"),
    ("resolved", "reopened"),
    ("reopened", "assigned"),
    ("reopened", "in_progress"),
)


def next_statuses(status: str) -> list[str]:
    """The statuses a ticket in `status` may move to (by someone)."""
    return [to for (frm, to) in TRANSITIONS if frm == status]


# ---- warranty (建设工程质量管理条例 Art. 40; 民用建筑节能条例 for insulation) -------------------

COMPONENT_KINDS = {
    "roof_waterproofing": _l("Roof waterproofing"),
    "wet_room_waterproofing": _l("Wet-room waterproofing"),
    "exterior_wall": _l("Exterior wall (leaks)"),
    "insulation": _l("Exterior insulation"),
    "heating": _l("Heating system"),
    "electrical": _l("Electrical lines"),
    "water_pipes": _l("Water supply pipes"),
    "drainage_pipes": _l("Drainage pipes"),
    "elevator": _l("Elevator installation"),
    "equipment": _l("Equipment installation"),
    "fit_out": _l("Fit-out"),
}
# Warranty in years from completion acceptance; heating counts heating seasons instead.
WARRANTY_YEARS = {
    "roof_waterproofing": 5, "wet_room_waterproofing": 5, "exterior_wall": 5,
    "insulation": 5,  # 民用建筑节能条例: 保温工程最低保修期限为5年
    "electrical": 2, "water_pipes": 2, "drainage_pipes": 2, "elevator": 2, "equipment": 2,
    "fit_out": 2,
}
HEATING_SEASONS = 2
# Which components a request category can fall on.
CATEGORY_COMPONENTS = {
    "plumbing": ("water_pipes", "drainage_pipes", "wet_room_waterproofing"),
    "electrical": ("electrical",),
    "roof_leak": ("roof_waterproofing",),
    "exterior_wall": ("exterior_wall", "insulation"),
    "elevator": ("elevator",),
    "heating": ("heating",),
    "public_lighting": ("electrical",),
    "access_control": ("equipment",),
    "greenery": (),
    "other": (),
}
# Beijing's heating season: 15 November to 15 March.
HEATING_START = (11, 15)
HEATING_END = (3, 15)


def warranty_ends_on(kind: str, accepted_on: date) -> date:
    """The LAST day covered by the statutory warranty of a component accepted on `accepted_on`.

    Years are counted as the Civil Code counts periods (民法典 Art. 201, 203): the acceptance day
    itself is not counted and the period ends on the corresponding day of the final year (the
    month's last day when there is none): accepted 2021-06-30 with 5 years → covered through
    2026-06-30; accepted 2024-02-29 with 2 years → through 2026-02-28. Heating: two complete
    heating seasons (15 Nov – 15 Mar) that start on or after the acceptance day; covered through
    15 March at the end of the second one (accepted 2023-06-30 → 2025-03-15; accepted
    2023-12-01, mid-season → 2026-03-15).
    """
    if kind == "heating":
        first_start_year = accepted_on.year if accepted_on <= date(accepted_on.year, *HEATING_START) \
            else accepted_on.year + 1
        return date(first_start_year + HEATING_SEASONS, *HEATING_END)
    years = WARRANTY_YEARS.get(kind)
    if years is None:
        raise ValueError(f"unknown component kind {kind}")
    return add_years(accepted_on, years)


# ---- elevators (TSG T7001, 特种设备安全监察条例 §31) ------------------------------------------

MAINTENANCE_INTERVAL_DAYS = 15
INSPECTION_YEARS = (1, 4, 7, 9, 11, 13, 15)


def inspection_due_dates(accepted_on: date, until: date) -> Iterator[date]:
    """Periodic inspections: years 1, 4, 7, 9, 11, 13, 15 after acceptance, then every year."""
    year = 0
    while True:
        year += 1
        if year <= 15 and year not in INSPECTION_YEARS:
            continue
        due = add_years(accepted_on, year)
        if due > until:
            return
        yield due


def last_inspection_due_before(accepted_on: date, today: date) -> Optional[date]:
    """The latest `inspection_due_dates` day before `today`, None before the first; O(1), for
    the tens of thousands of elevators a company-wide count looks at."""
    years = today.year - accepted_on.year
    if add_years(accepted_on, years) >= today:
        years -= 1
    if years > INSPECTION_YEARS[-1]:
        return add_years(accepted_on, years)
    scheduled = [y for y in INSPECTION_YEARS if y <= years]
    return add_years(accepted_on, scheduled[-1]) if scheduled else None


def maintenance_due_dates(anchor: date, until: date, interval_days: int = MAINTENANCE_INTERVAL_DAYS,
                          since: Optional[date] = None) -> Iterator[date]:
    """Every `interval_days` after `anchor`, from `since` (inclusive) up to `until` (inclusive)."""
    k = 1
    if since is not None and since > anchor:
        k = max(1, -(-(since - anchor).days // interval_days))
    while True:
        due = anchor + timedelta(days=interval_days * k)
        if due > until:
            return
        yield due
        k += 1


# ---- planned works (小单元作业) --------------------------------------------------------------

SERVICES = {"water_kitchen": _l("Kitchen water"), "water_bathroom": _l("Bathroom water"),
            "power": _l("Power"), "elevator": _l("Elevator")}
# Services that may not be off at the same time in one entrance: each household keeps water.
EXCLUSIVE_WITH = {"water_kitchen": ("water_kitchen", "water_bathroom"),
                  "water_bathroom": ("water_bathroom", "water_kitchen"),
                  "power": ("power",), "elevator": ("elevator",)}


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open windows [start, end) overlap; one ending when the other starts is fine."""
    return a_start < b_end and b_start < a_end


# ---- statistics ----------------------------------------------------------------------------

def median(values: list[float]) -> Optional[float]:
    """The middle value; the mean of the two middle ones for an even count."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile_nearest_rank(values: list[float], pct: int) -> Optional[float]:
    """The nearest-rank percentile: the ceil(pct/100 × n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]
