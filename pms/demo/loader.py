"""The demo load: estates through the registry import, demo logins, then each domain's demo step.

See the package docstring (`pms.demo`) for the contract of ``pms/<domain>/demo.py`` modules.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Callable, Iterator, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from pms import domain_module, domain_names
from pms.accounts import services as accounts
from pms.accounts.models import User
from pms.core import clock
from pms.core.db import unit_of_work
from pms.demo import people
from pms.demo.people import OwnerFactory
from pms.estates import services as estates
from pms.estates.services import BATCH_ROOMS
from pms.estates.models import Company, District, Estate
from pms.estates.registry.importing import import_rows
from pms.estates.registry.rows import ImportResult, RegistryRow

COMPANY_CODE, COMPANY_NAME = "DEMO", "安居物业"
DISTRICT_CODE, DISTRICT_NAME = "110112", "通州区"
ROOMS_PER_ESTATE = 500  # with --households N: estates of about this size until N rooms exist
DEFAULT_SEED = 2026

# (username, role, password, display name); the resident gets a room, auditors and officers the
# district (two officers: the one who approves a claim never records its payment).
DEMO_USERS = (
    ("admin", "admin", "demo-admin-2026", "平台管理员"),
    ("manager", "manager", "demo-manager-2026", "王经理"),
    ("finance", "finance", "demo-finance-2026", "刘会计"),
    ("technician", "technician", "demo-technician-2026", "赵师傅"),
    ("carer", "care_worker", "demo-carer-2026", "孙护理员"),
    ("resident", "resident", "demo-resident-2026", "张大爷"),
    ("auditor", "auditor", "demo-auditor-2026", "通州区住建委"),
    ("officer", "officer", "demo-officer-2026", "李专管员（区住建委）"),
    ("officer2", "officer", "demo-officer2-2026", "陈专管员（区住建委）"),
)
RESIDENT_ROOM = "YJL-3-2-501"
TWO_FLATS = 20  # from this registry row (0-based), two neighbouring flats of one owner  # the resident's room when it exists (else the first residential room)
# The demo resident (张大爷) owns that room: the registry names him as its owner, so the room page,
# his bills and his login tell the same story. Born 1948, a man: his ID number says so.
RESIDENT_OWNER = ("张建国", "13911072658", people.id_number(random.Random("pms-demo:resident-owner"), True,
                                                           date(1948, 1, 1), date(1948, 12, 31)))

# Estates: the first is Yunjingli (the contract's example); names of real Tongzhou neighbourhoods.
ESTATE_NAMES = (
    ("YJL", "云景里"), ("YQX", "玉桥西里"), ("LHL", "临河里"), ("JKS", "九棵树东里"), ("GYX", "果园西里"),
    ("ZCX", "中仓小区"), ("XHL", "新华里"), ("BYJ", "北苑家园"), ("LYB", "梨园北里"), ("TYL", "通运里"),
    ("XYL", "西营里"), ("DGL", "东关里"), ("YZB", "杨庄北里"), ("LYX", "潞邑小区"), ("WJY", "文景园"),
    ("ZCN", "砖厂南里"), ("WSB", "万盛北里"), ("QZB", "乔庄北里"), ("XCN", "新城南里"), ("BLQ", "八里桥里"),
)
STREETS = ("中仓街道", "新华街道", "北苑街道", "玉桥街道", "通运街道", "九棵树街道", "临河里街道",
           "杨庄街道", "潞源街道", "潞邑街道", "文景街道")
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class DemoCompany:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class DemoDistrict:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class DemoEstate:
    id: int
    code: str
    name: str
    rooms: int


@dataclass(frozen=True)
class DemoUser:
    id: int
    username: str
    role: str
    password: str
    display_name: str


@dataclass
class DemoContext:
    """What every demo step gets (see `pms.demo`)."""

    seed: int
    households: Optional[int]
    today: date
    timezone: ZoneInfo
    rng: random.Random = field(default_factory=random.Random)
    company: Optional[DemoCompany] = None
    district: Optional[DemoDistrict] = None
    estates: list[DemoEstate] = field(default_factory=list)
    users: dict[str, DemoUser] = field(default_factory=dict)
    resident_room: Optional[str] = None  # the code of the demo resident's room
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rng_for(self, step: str) -> random.Random:
        """A generator that depends only on the seed and the step's name."""
        return random.Random(f"pms-demo:{self.seed}:{step}")

    def add_login(self, username: str, role: str, password: str) -> None:
        self.logins.append((username, role, password))

    def note(self, text: str) -> None:
        self.notes.append(text)


# ---- the estates ---------------------------------------------------------------------------

def estate_identity(index: int) -> tuple[str, str]:
    """(code, name) of the index-th demo estate: 云景里, 玉桥西里, …, then 云景里二区, …"""
    code, name = ESTATE_NAMES[index % len(ESTATE_NAMES)]
    part = index // len(ESTATE_NAMES)
    if part == 0:
        return code, name
    label = NUMERALS[part] if part < len(NUMERALS) else str(part + 1)
    return f"{code}{part + 1}", f"{name}{label}区"


def generate_rows(rng: random.Random, households: Optional[int]) -> list[RegistryRow]:
    """Registry rows of the demo estates: exactly `households` rooms, or one estate by default."""
    return [row for estate in generate_estates(rng, households) for row in estate]


def generate_estates(rng: random.Random, households: Optional[int]) -> Iterator[list[RegistryRow]]:
    """The registry rows of the demo estates, one estate at a time (a million rooms are never in
    memory at once): exactly `households` rooms, or one estate by default."""
    owners = OwnerFactory(rng)
    made = 0
    index = 0
    while True:
        want = None if households is None else min(ROOMS_PER_ESTATE, households - made)
        if want is not None and want <= 0:
            return
        code, name = estate_identity(index)
        street = STREETS[index % len(STREETS)] if index else STREETS[0]
        rows = _estate_rows(rng, owners, code, name, street, want, made + 2)
        if index == 0:
            _first_estate(rows)
        made += len(rows)
        yield rows
        index += 1
        if households is None:
            return


def _first_estate(rows: list[RegistryRow]) -> None:
    """The demo resident owns their room; an owner of two flats for the subsidy checks."""
    home = resident_room_code(rows)
    for r in rows:
        if r.code == home:
            r.owner_name, r.owner_phone, r.owner_id_number = RESIDENT_OWNER
    # Old estates have owners of two flats (a parent bought the one next door): from row TWO_FLATS
    # on, the first two neighbouring residential rows of the first estate share one owner (with an
    # ID number), whom the subsidy checks see subsidised twice.
    for first, second in zip(rows[TWO_FLATS:], rows[TWO_FLATS + 1:]):
        if first.usage == second.usage == "residential" and first.owner_id_number and home not in (
                first.code, second.code):
            second.owner_name, second.owner_phone, second.owner_id_number = (
                first.owner_name, first.owner_phone, first.owner_id_number)
            break


def resident_room_code(rows: list[RegistryRow]) -> str:
    """The demo resident's room: RESIDENT_ROOM when the demo has it, else the first residential room."""
    codes = {r.code for r in rows}
    return RESIDENT_ROOM if RESIDENT_ROOM in codes else next(r.code for r in rows if r.usage == "residential")


def _estate_rows(rng, owners, code, name, street, want, first_row) -> list[RegistryRow]:
    """One 1990s walk-up estate: 6 floors, 2–4 entrances a building, 2–3 rooms a floor."""
    rows: list[RegistryRow] = []
    building = 0
    # Without a target, ~10 buildings; with one, as many buildings as the target needs.
    buildings = rng.randint(9, 11) if want is None else None
    while (buildings is not None and building < buildings) or (want is not None and len(rows) < want):
        building += 1
        shops = building == 1 or (building == 2 and rng.random() < 0.5)  # along the street
        for entrance in range(1, rng.randint(2, 4) + 1):
            per_floor = rng.randint(2, 3)
            # The same flat type is stacked on every floor: one area per position in the stairwell.
            areas = [rng.randint(4500, 9500) for _i in range(per_floor)]
            for floor in range(1, 7):
                for position in range(1, per_floor + 1):
                    if want is not None and len(rows) >= want:
                        return rows
                    commercial = shops and floor == 1
                    owner_name, phone, id_number = owners()
                    rows.append(RegistryRow(
                        row=first_row + len(rows), district_code=DISTRICT_CODE, district_name=DISTRICT_NAME,
                        street=street, estate_code=code, estate_name=name, building=str(building),
                        entrance=str(entrance), floor=floor, room=f"{floor}{position:02d}",
                        area_centi_m2=areas[position - 1], usage="commercial" if commercial else "residential",
                        owner_name=owner_name, owner_phone=phone, owner_id_number=id_number))
    return rows


def load_estates(session, ctx: DemoContext, progress: Optional[Callable[[int], None]] = None) -> ImportResult:
    """The demo company and its estates (idempotent: the same seed again changes nothing).

    Imported in chunks of whole estates (about `BATCH_ROOMS` rooms): generated, imported, then
    forgotten by the session, so the memory a load takes does not grow with its size."""
    company = estates.find_company(session, COMPANY_CODE) or estates.create_company(
        session, COMPANY_CODE, COMPANY_NAME, actor="demo")
    company_id = company.id
    result = ImportResult()
    sizes: dict[str, int] = {}
    names: dict[str, str] = {}
    chunk: list[RegistryRow] = []

    def flush_chunk() -> None:
        part = import_rows(session, session.get(Company, company_id), chunk, actor="demo", progress=progress,
                           source="pms demo load")
        result.created += part.created
        result.updated += part.updated
        result.unchanged += part.unchanged
        result.warnings += part.warnings
        result.estates += part.estates
        for key, count in part.new.items():
            result.new[key] = result.new.get(key, 0) + count
        session.flush()
        session.expunge_all()
        chunk.clear()

    for rows in generate_estates(ctx.rng, ctx.households):
        if not sizes:
            ctx.resident_room = resident_room_code(rows)
        sizes[rows[0].estate_code] = len(rows)
        names[rows[0].estate_code] = rows[0].estate_name
        chunk += rows
        if len(chunk) >= BATCH_ROOMS:
            flush_chunk()
    if chunk:
        flush_chunk()
    company = session.get(Company, company_id)
    district = session.scalar(select(District).where(District.code == DISTRICT_CODE))
    ctx.company = DemoCompany(company.id, company.code, company.name)
    ctx.district = DemoDistrict(district.id, district.code, district.name)
    ids = dict(session.execute(select(Estate.code, Estate.id).where(Estate.code.in_(list(sizes)))).all())
    ctx.estates = [DemoEstate(ids[c], c, names[c], n) for c, n in sizes.items()]
    return result


def load_accounts(session, ctx: DemoContext) -> None:
    """One login per role (kept as they are when they exist already)."""
    for username, role, password, display_name in DEMO_USERS:
        user = accounts.find_user(session, username)
        if user is None:
            user = accounts.create_user(
                session, username=username, password=password, role=role, display_name=display_name,
                company_code=ctx.company.code if role in ("manager", "finance", "technician", "care_worker") else None,
                room_codes=[ctx.resident_room] if role == "resident" else [],
                district_code=ctx.district.code if role in ("auditor", "officer") else None, actor="demo")
        ctx.users[username] = DemoUser(user.id, username, role, password, display_name)
        ctx.add_login(username, role, password)


# ---- the steps -----------------------------------------------------------------------------

def domain_steps() -> list[tuple[str, ModuleType]]:
    """(domain, module) of every pms/<domain>/demo.py, in the order they run."""
    found = []
    for domain in domain_names():
        if domain == "demo":
            continue
        module = domain_module(domain, "demo")
        if module is not None and callable(getattr(module, "seed", None)):
            found.append((getattr(module, "ORDER", 100), domain, module))
    return [(domain, module) for _order, domain, module in sorted(found, key=lambda f: (f[0], f[1]))]


def make_context(seed: int, households: Optional[int]) -> DemoContext:
    return DemoContext(seed=seed, households=households, today=clock.today(), timezone=clock.timezone())


def any_estate_exists(session) -> bool:
    return session.scalar(select(Estate.id).limit(1)) is not None


def load(seed: int = DEFAULT_SEED, households: Optional[int] = None, *,
         progress: Optional[Callable[[int], None]] = None,
         on_step: Optional[Callable[[str, float], None]] = None) -> tuple[DemoContext, ImportResult]:
    """Run every step, each in its own transaction; returns the context and the estates' import."""
    if households is not None and households < 1:
        raise ValueError("households must be at least 1")
    ctx = make_context(seed, households)

    def step(name: str, body: Callable) -> object:
        started = time.perf_counter()
        ctx.rng = ctx.rng_for(name)
        with unit_of_work() as session:
            value = body(session)
        if on_step is not None:
            on_step(name, time.perf_counter() - started)
        return value

    result = step("estates", lambda session: load_estates(session, ctx, progress))
    step("accounts", lambda session: load_accounts(session, ctx))
    for domain, module in domain_steps():
        step(domain, lambda session, module=module: module.seed(session, ctx))
    step("statistics", refresh_statistics)
    return ctx, result


def refresh_statistics(session) -> None:
    """Planner statistics for every table, as after a normal day."""
    # A bulk load outpaces autovacuum: with no statistics PostgreSQL guesses, and a resident's
    # page picked a full scan of ownership (14 ms instead of 0.1 ms) on the fresh demo.
    session.execute(text("ANALYZE"))


def existing_demo_logins(session) -> list[tuple[str, str, str]]:
    """The demo logins that exist (their passwords are the demo defaults unless someone changed them)."""
    names = {u for u, *_rest in DEMO_USERS}
    present = set(session.scalars(select(User.username).where(User.username.in_(names))))
    company = session.scalar(select(Company.id).where(Company.code == COMPANY_CODE))
    if company is None:
        return []
    return [(u, role, pw) for u, role, pw, _name in DEMO_USERS if u in present]
