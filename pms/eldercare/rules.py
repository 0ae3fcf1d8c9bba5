"""Pure elder-care rules (no database): ages, allowances from rules kept as data, recurrences,
home codes and overlapping windows. Tested without a database (tests/eldercare/test_rules.py)."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

ALLOWANCE_CODES = ("age_80_89", "age_90_99", "age_100_plus", "dibao", "low_income", "family_planning",
                   "disability_1", "disability_2")
HARDSHIPS = ("dibao", "low_income", "family_planning")
# Registration: from 60 (老年人权益保障法 Art. 2), younger only with a disability tier.
ELDER_AGE = 60
MAX_PIN_FAILURES = 5
DATA_FILE = Path(__file__).parent / "data" / "allowances.json"
# Home codes: 10 characters of an alphabet without look-alikes (0/O, 1/I/L), ~50 bits.
HOME_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
HOME_CODE_LENGTH = 10


@dataclass(frozen=True)
class Rule:
    """An amount in fen that applies to `code` from `starts` until a later rule of the code."""

    code: str
    amount_fen: int
    starts: date


@dataclass(frozen=True)
class Allowance:
    """An allowance that applies on a day: its code, its amount then, and why (code + values)."""

    code: str
    amount_fen: int
    why: str          # 'age', 'hardship' or 'disability'
    value: int | str  # the age on that day, the hardship category or the disability tier


def age_on(birth: date, day: date) -> int:
    """Full years (周岁) on `day`: a birthday counts from the day itself. A 29 February birthday
    is reached on 1 March in common years (on 28 February the full year has not yet passed)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_code(age: int) -> Optional[str]:
    """The age tier of an age (80–89, 90–99, 100+), None below 80."""
    if age >= 100:
        return "age_100_plus"
    if age >= 90:
        return "age_90_99"
    if age >= 80:
        return "age_80_89"
    return None


def amount_on(rules: Iterable[Rule], code: str, day: date) -> Optional[int]:
    """The amount of the latest rule of `code` starting on or before `day` (None: no rule yet)."""
    found = [r for r in rules if r.code == code and r.starts <= day]
    return max(found, key=lambda r: r.starts).amount_fen if found else None


def allowances_on(day: date, *, birth_date: date, hardship: Optional[str], disability_tier: Optional[int],
                  rules: Iterable[Rule]) -> list[Allowance]:
    """The monthly allowances that apply on `day`, in the order of ALLOWANCE_CODES."""
    rules = list(rules)
    wanted: list[tuple[str, str, int | str]] = []
    age = age_on(birth_date, day)
    tier = age_code(age)
    if tier:
        wanted.append((tier, "age", age))
    if hardship:
        wanted.append((hardship, "hardship", hardship))
    if disability_tier:
        wanted.append((f"disability_{disability_tier}", "disability", disability_tier))
    found = []
    for code, why, value in wanted:
        amount = amount_on(rules, code, day)
        if amount is not None:
            found.append(Allowance(code, amount, why, value))
    return sorted(found, key=lambda a: ALLOWANCE_CODES.index(a.code))


@dataclass(frozen=True)
class ServiceSubsidy:
    """A service kind's subsidy per day for elders holding one of `categories`, from `starts`."""

    kind: str
    amount_fen_per_day: int
    starts: date
    categories: frozenset[str]


def service_subsidy_on(subsidies: Iterable[ServiceSubsidy], kind: str, day: date,
                       allowance_codes: Iterable[str]) -> int:
    """Fen per day the programme pays for `kind` on `day` for an elder with these allowances
    (0 when the elder is in no eligible category or no rule applies yet)."""
    found = [s for s in subsidies if s.kind == kind and s.starts <= day]
    if not found:
        return 0
    rule = max(found, key=lambda s: s.starts)
    return rule.amount_fen_per_day if rule.categories & set(allowance_codes) else 0


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[tuple[Rule, ...], tuple[ServiceSubsidy, ...]]:
    """The allowance rules and service subsidies shipped in data/allowances.json."""
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    rules = tuple(Rule(r["code"], int(r["amount_fen"]), date.fromisoformat(r["from"]))
                  for r in document["allowances"])
    unknown = {r.code for r in rules} - set(ALLOWANCE_CODES)
    if unknown:
        raise ValueError(f"unknown allowance codes in {DATA_FILE.name}: {sorted(unknown)}")
    subsidies = tuple(ServiceSubsidy(s["kind"], int(s["amount_fen_per_day"]), date.fromisoformat(s["from"]),
                                     frozenset(s["categories"])) for s in document["service_subsidies"])
    return rules, subsidies


def registration_problem(birth_date: date, today: date, disability_tier: Optional[int]) -> Optional[str]:
    """Why a birth date cannot be registered ('future', 'too_young') or None."""
    if birth_date > today:
        return "future"
    if age_on(birth_date, today) < ELDER_AGE and not disability_tier:
        return "too_young"
    return None


# ---- home codes -----------------------------------------------------------------------------

def new_home_code() -> str:
    """A fresh per-home secret for the printed card (shown once)."""
    return "".join(secrets.choice(HOME_CODE_ALPHABET) for _ in range(HOME_CODE_LENGTH))


def normalize_home_code(text: str) -> str:
    """What a worker typed, as stored: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -")


def home_code_hash(code: str) -> str:
    """The stored form of a home code (SHA-256 of the normalized code; ~50 bits of randomness
    need no slow hash)."""
    return hashlib.sha256(normalize_home_code(code).encode("ascii", "ignore")).hexdigest()


def home_code_matches(typed: Optional[str], stored_hash: str) -> bool:
    if not typed:
        return False
    return secrets.compare_digest(home_code_hash(typed), stored_hash)


# ---- recurrences and windows ------------------------------------------------------------------

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_bits(names: Iterable[str]) -> int:
    """['mon', 'thu'] → 0b1001 (Monday = bit 0)."""
    bits = 0
    for name in names:
        bits |= 1 << WEEKDAY_NAMES.index(name)
    return bits


def weekday_names(bits: int) -> list[str]:
    return [name for i, name in enumerate(WEEKDAY_NAMES) if bits & (1 << i)]


def occurs_on(recurrence: str, weekdays: int, day: date) -> bool:
    """Whether a plan of this recurrence falls on `day`."""
    if recurrence == "daily":
        return True
    if recurrence == "weekdays":
        return day.weekday() < 5
    if recurrence == "weekly":
        return bool(weekdays & (1 << day.weekday()))
    raise ValueError(recurrence)


def day_bits(recurrence: str, weekdays: int) -> int:
    """The ISO weekdays a recurrence falls on, as bits (Monday = bit 0)."""
    return {"daily": 0b1111111, "weekdays": 0b0011111}.get(recurrence, weekdays)


def days_ahead(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def overlaps(start_a: time, end_a: time, start_b: time, end_b: time) -> bool:
    """Whether two half-open windows [start, end) of one day overlap (back to back does not)."""
    return start_a < end_b and start_b < end_a
