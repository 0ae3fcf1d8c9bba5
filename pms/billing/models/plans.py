"""Fee plans (the CONTRACT.md fee plan document, normalised)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

ITEM_KINDS = ("area", "elevator_share", "fixed")


class FeePlan(SQLModel, table=True):
    """An estate's fee plan, in force from `effective_from` until a later plan takes over."""

    __tablename__ = "fee_plan"
    __scope__ = ScopeRule()
    __table_args__ = (
        UniqueConstraint("estate_id", "effective_from"),
        CheckConstraint("due_day BETWEEN 1 AND 31", name="due_day_range"),
        CheckConstraint("late_fee_daily_rate_per_10k IS NULL OR late_fee_daily_rate_per_10k >= 0",
                        name="late_rate_not_negative"),
        CheckConstraint("late_fee_cap_percent IS NULL OR late_fee_cap_percent BETWEEN 0 AND 100",
                        name="late_cap_range"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    effective_from: str = Field(max_length=7)  # YYYY-MM (Asia/Shanghai business period)
    due_day: int
    # NULL rate = the contract has no late-charge clause: never charged.
    late_fee_daily_rate_per_10k: Optional[int] = Field(default=None)
    late_fee_grace_days: Optional[int] = Field(default=None)
    late_fee_cap_percent: Optional[int] = Field(default=None)
    document: str  # the fee plan document as loaded (canonical JSON), for the record
    created_by: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class FeeItem(SQLModel, table=True):
    """One charge of a plan: by area, an elevator share, or a fixed amount."""

    __tablename__ = "fee_item"
    __scope__ = ScopeRule()
    __table_args__ = (
        UniqueConstraint("fee_plan_id", "code", "estate_id"),  # the plan's estate: the estate key (issue 15)
        CheckConstraint("kind IN ('area', 'elevator_share', 'fixed')", name="kind_known"),
        CheckConstraint("rate_fen_per_m2 IS NULL OR rate_fen_per_m2 >= 0", name="rate_not_negative"),
        CheckConstraint("monthly_cost_fen IS NULL OR monthly_cost_fen >= 0", name="cost_not_negative"),
        CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount_not_negative"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    fee_plan_id: int = Field(foreign_key="fee_plan.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    position: int = Field(default=0)
    code: str = Field(max_length=32)
    name: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    rate_fen_per_m2: Optional[int] = Field(default=None)  # area
    usages: Optional[str] = Field(default=None, max_length=64)  # area: comma list; NULL = all
    monthly_cost_fen: Optional[int] = Field(default=None)  # elevator_share, per entrance
    amount_fen: Optional[int] = Field(default=None)  # fixed, per room
    all_rooms: bool = Field(default=True)  # fixed: False = only the rooms in fee_item_room


class FeeItemEntrance(SQLModel, table=True):
    """An entrance whose elevator cost an elevator_share item splits."""

    __tablename__ = "fee_item_entrance"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("fee_item_id", "entrance_id", "estate_id"),)  # estate key: the item's
    id: Optional[int] = Field(default=None, primary_key=True)
    fee_item_id: int = Field(foreign_key="fee_item.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    entrance_id: int = Field(foreign_key="entrance.id")


class FeeItemFloorWeight(SQLModel, table=True):
    """The weight of a floor in an elevator_share item (absent floor = 0)."""

    __tablename__ = "fee_item_floor_weight"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("fee_item_id", "floor", "estate_id"),  # estate key: the item's
                      CheckConstraint("weight >= 0", name="weight_not_negative"))
    id: Optional[int] = Field(default=None, primary_key=True)
    fee_item_id: int = Field(foreign_key="fee_item.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    floor: int
    weight: int


class FeeItemRoom(SQLModel, table=True):
    """A room a fixed item applies to (when the item lists rooms)."""

    __tablename__ = "fee_item_room"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("fee_item_id", "room_id", "estate_id"),)  # estate key: the item's
    id: Optional[int] = Field(default=None, primary_key=True)
    fee_item_id: int = Field(foreign_key="fee_item.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id")


class FeePlanSubsidy(SQLModel, table=True):
    """A programme pays `percent` of an item's lines in one period."""

    __tablename__ = "fee_plan_subsidy"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("fee_plan_id", "item_code", "period", "estate_id"),  # estate key: the plan's
                      CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"))
    id: Optional[int] = Field(default=None, primary_key=True)
    fee_plan_id: int = Field(foreign_key="fee_plan.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    item_code: str = Field(max_length=32)
    period: str = Field(max_length=7)
    percent: int
