"""Districts, companies, estates, buildings, entrances, rooms, people and ownership."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

USAGES = ("residential", "commercial")
DIVISION_LEVELS = ("province", "prefecture", "county")


class Division(SQLModel, table=True):
    """A national administrative division (GB/T 2260): reference data shipped with the code."""

    __tablename__ = "division"
    # `reference_data`: rows come with the code (migration 0010), not from operators, so a
    # database holding only these counts as empty (`pms restore`).
    __table_args__ = (
        CheckConstraint("level IN ('province', 'prefecture', 'county')", name="level_known"),
        {"info": {"reference_data": True}},
    )
    code: str = Field(max_length=6, primary_key=True)
    name: str = Field(max_length=64)
    level: str = Field(max_length=16)
    parent_code: Optional[str] = Field(default=None, max_length=6)


class District(SQLModel, table=True):
    """An administrative district (区), by its 6-digit division code."""

    __tablename__ = "district"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, unique=True)
    name: str = Field(max_length=64)


class Street(SQLModel, table=True):
    """A street office (街道) of a district."""

    __tablename__ = "street"
    __table_args__ = (UniqueConstraint("district_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    name: str = Field(max_length=64)


class Company(SQLModel, table=True):
    """A property company (物业公司); staff accounts belong to one."""

    __tablename__ = "company"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Estate(SQLModel, table=True):
    """A residential estate (小区) run by one company in one district."""

    __tablename__ = "estate"
    __scope__ = ScopeRule(estate="id", resident="estate")
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    district_id: int = Field(foreign_key="district.id", index=True)
    street_id: Optional[int] = Field(default=None, foreign_key="street.id")
    company_id: int = Field(foreign_key="company.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Building(SQLModel, table=True):
    """A building (楼栋) of an estate; `code` is its number as residents say it."""

    __tablename__ = "building"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("estate_id", "code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    code: str = Field(max_length=16)


class Entrance(SQLModel, table=True):
    """An entrance (单元, a stairwell): the unit of elevators and pipe work."""

    __tablename__ = "entrance"
    __scope__ = ScopeRule()
    # The building's estate closes the UNIQUE (the estate key, issue 15).
    __table_args__ = (UniqueConstraint("building_id", "code", "estate_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    building_id: int = Field(foreign_key="building.id", index=True)
    code: str = Field(max_length=16)


class Room(SQLModel, table=True):
    """A dwelling or shop (户); code is ESTATE-BUILDING-ENTRANCE-ROOM."""

    __tablename__ = "room"
    __scope__ = ScopeRule(room="id", resident="room")
    __table_args__ = (
        CheckConstraint("area_centi_m2 > 0", name="area_positive"),
        CheckConstraint("usage IN ('residential', 'commercial')", name="usage_known"),
        Index("ix_room_entrance_floor", "entrance_id", "floor"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15); the code is unique everywhere
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    building_id: int = Field(foreign_key="building.id", index=True)
    entrance_id: int = Field(foreign_key="entrance.id")
    code: str = Field(max_length=64, unique=True)
    number: str = Field(max_length=16)
    floor: int
    area_centi_m2: int  # hundredths of a square metre: 86.55 m² → 8655
    usage: str = Field(max_length=16)


class Person(SQLModel, table=True):
    """An owner or resident as registered by the property company."""

    __tablename__ = "person"
    __scope__ = ScopeRule()
    # By ID number: the registry's owner matching and the subsidy checks' "same person".
    __table_args__ = (Index("ix_person_estate_name_phone", "estate_id", "name", "phone"),
                      Index("ix_person_id_number", "id_number", postgresql_where=text("id_number IS NOT NULL"),
                            sqlite_where=text("id_number IS NOT NULL")),
                      # A person is registered by one estate (the same person in two: two rows).
                      UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    name: str = Field(max_length=64, index=True)
    phone: str = Field(default="", max_length=32, index=True)
    id_number: Optional[str] = Field(default=None, max_length=18)


class Ownership(SQLModel, table=True):
    """A person owns (part of) a room."""

    __tablename__ = "ownership"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (UniqueConstraint("room_id", "person_id", "estate_id"),)  # estate key: the room's
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)


RELATIONS = ("owner", "family", "tenant")


class Residency(SQLModel, table=True):
    """A person lives in a room (the owner, family or a tenant)."""

    __tablename__ = "residency"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("room_id", "person_id", "estate_id"),  # estate key: the room's (issue 15)
        CheckConstraint("relation IN ('owner', 'family', 'tenant')", name="relation_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    relation: str = Field(default="family", max_length=16)
