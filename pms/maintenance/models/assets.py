"""Renovation projects and their warranty components; equipment, preventive plans, work orders."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

COMPONENT_CODES = ("roof_waterproofing", "wet_room_waterproofing", "exterior_wall", "insulation",
                   "heating", "electrical", "water_pipes", "drainage_pipes", "elevator", "equipment",
                   "fit_out")


class RenovationProject(SQLModel, table=True):
    """A renovation contract of an estate: contractor, completion-acceptance date and (optional)
    contract amount. A project is registered once accepted, so it is the evidence of completed
    works a renovation programme pays on (its percent of `contract_fen`, pms/subsidies)."""

    __tablename__ = "renovation_project"
    __scope__ = ScopeRule(resident="estate")
    __table_args__ = (UniqueConstraint("estate_id", "name"),
                      CheckConstraint("contract_fen IS NULL OR contract_fen > 0", name="contract_positive"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    name: str = Field(max_length=128)
    contractor: str = Field(max_length=128)
    contractor_phone: str = Field(default="", max_length=32)
    accepted_on: date  # 竣工验收合格之日: warranty periods run from here
    # 合同价款: the contract amount (BIGINT: a whole estate's works pass 21 million yuan); null
    # for projects registered without it (no renovation subsidy is claimed on those).
    contract_fen: Optional[int] = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WarrantyComponent(SQLModel, table=True):
    """A part of a project at estate, building or entrance level with its warranty end."""

    __tablename__ = "warranty_component"
    __scope__ = ScopeRule(resident="estate")
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(repr(k) for k in COMPONENT_CODES) + ")", name="kind_known"),
        CheckConstraint("entrance_id IS NULL OR building_id IS NOT NULL", name="entrance_in_building"),
        # The estate's components by kind, and the estate key (issue 15).
        UniqueConstraint("estate_id", "kind", "id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="renovation_project.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    building_id: Optional[int] = Field(default=None, foreign_key="building.id")
    entrance_id: Optional[int] = Field(default=None, foreign_key="entrance.id")
    kind: str = Field(max_length=32)
    warranty_ends_on: date  # the last day covered (inclusive)
    overridden: bool = Field(default=False)  # the contract sets a longer end than the statute
    note: str = Field(default="", max_length=200)


class Equipment(SQLModel, table=True):
    """Equipment under preventive maintenance; first of all each entrance's elevator."""

    __tablename__ = "equipment"
    __scope__ = ScopeRule(resident="estate")
    __table_args__ = (CheckConstraint("kind IN ('elevator')", name="kind_known"),
                      # The estate key (issue 15); the registration number is unique everywhere.
                      UniqueConstraint("estate_id", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    building_id: int = Field(foreign_key="building.id")
    entrance_id: int = Field(foreign_key="entrance.id", index=True)
    kind: str = Field(default="elevator", max_length=16)
    registration_number: str = Field(max_length=64, unique=True)  # 使用登记证编号
    accepted_on: date
    maintainer: str = Field(default="", max_length=128)
    maintainer_phone: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EquipmentCertificate(SQLModel, table=True):
    """A special-equipment inspection certificate (特种设备检验合格证 / 定期检验报告) issued for an
    elevator: its number, the day it was issued, the inspection body and how long it is valid.

    Immutable (recorded once, never edited or deleted; a wrong one is followed by the right one).
    An elevator subsidy is paid on it (pms/subsidies/services/claims.py)."""

    __tablename__ = "equipment_certificate"
    __scope__ = ScopeRule(resident="estate")  # like the elevator: its estate's residents see it
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= issued_on", name="valid_after_issue"),
        # The estate's certificates by issue date, and the estate key (issue 15).
        UniqueConstraint("estate_id", "issued_on", "id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    equipment_id: int = Field(foreign_key="equipment.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    number: str = Field(max_length=64, unique=True)  # the certificate's number, unique nationwide
    issued_on: date
    issuer: str = Field(max_length=128)  # the inspection body (e.g. 北京市特种设备检验检测研究院)
    valid_until: Optional[date] = Field(default=None)  # 下次检验日期 / 有效期至
    recorded_by: str = Field(max_length=64)  # the username
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MaintenancePlan(SQLModel, table=True):
    """A recurring duty for a piece of equipment: 15-day maintenance or periodic inspection."""

    __tablename__ = "maintenance_plan"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("equipment_id", "kind", "estate_id"),  # estate key: the elevator's
                      CheckConstraint("kind IN ('maintenance', 'inspection')", name="kind_known"),
                      CheckConstraint("interval_days IS NULL OR interval_days > 0", name="interval_positive"))
    id: Optional[int] = Field(default=None, primary_key=True)
    equipment_id: int = Field(foreign_key="equipment.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    interval_days: Optional[int] = Field(default=None)  # maintenance: 15; inspection: TSG years
    anchor_on: date
    active: bool = Field(default=True)


class WorkOrder(SQLModel, table=True):
    """One due occurrence of a plan; UNIQUE (plan, due date) makes generation idempotent (the
    plan's estate closes it: the estate key, issue 15)."""

    __tablename__ = "work_order"
    __scope__ = ScopeRule()
    __table_args__ = (
        UniqueConstraint("plan_id", "due_on", "estate_id"),
        CheckConstraint("status IN ('open', 'done')", name="status_known"),
        CheckConstraint("result IS NULL OR result IN ('done', 'passed', 'failed')", name="result_known"),
        Index("ix_work_order_status_due", "status", "due_on"),
        # Each elevator's inspection results (the homes' stopped count): a small part of the table.
        Index("ix_work_order_inspection_results", "plan_id", "due_on", "result",
              postgresql_where=text("kind = 'inspection' AND result IS NOT NULL"),
              sqlite_where=text("kind = 'inspection' AND result IS NOT NULL")),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="maintenance_plan.id")
    equipment_id: int = Field(foreign_key="equipment.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    due_on: date
    status: str = Field(default="open", max_length=8)
    result: Optional[str] = Field(default=None, max_length=8)
    overdue: bool = Field(default=False)
    done_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    done_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ElevatorSnapshot(SQLModel, table=True):
    """An estate's elevators with work due within a week and those stopped, as of `refreshed_at`.

    A read model for the home pages: judging every elevator of a company takes its plans and
    inspection results (tens of thousands at city scale) on each view. A job refreshes every estate
    every few minutes (an inspection lapses at midnight) and recording a result refreshes its
    estate at once (pms.maintenance.services.overview).
    """

    __tablename__ = "elevator_snapshot"
    __scope__ = ScopeRule()
    estate_id: int = Field(foreign_key="estate.id", primary_key=True)
    due: int = Field(default=0)
    stopped: int = Field(default=0)
    refreshed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
