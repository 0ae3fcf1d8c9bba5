"""The import's writer and the core bulk statements under it (`core.bulk`), on the test engine."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.core import bulk
from pms.estates.models import Company, Person
from pms.estates.registry.writer import Writer


def test_a_dry_run_hands_out_placeholder_ids_and_writes_nothing(db, world):
    writer = Writer(db, dry_run=True)
    before = db.scalar(select(func.count(Person.id)))
    assert writer.insert(Person, [{"estate_id": world.yjl.id, "name": "甲"}] * 2) == [-1, -2]
    writer.insert_many(Person, [{"estate_id": world.yjl.id, "name": "乙", "phone": "", "id_number": None}])
    writer.update(Person, [{"id": world.r501.id, "name": "丙"}])
    assert writer.reload(lambda: pytest.fail("no read in a dry run"), {"a": 1}, ["b"]) == {"a": 1, "b": -3}
    assert db.scalar(select(func.count(Person.id))) == before


def test_bulk_rows_get_constant_defaults_and_update_by_id(db, world):
    bulk.insert_rows(db, Person, [{"estate_id": world.yjl.id, "name": "丁", "id_number": None},
                                  {"estate_id": world.yjl.id, "name": "戊", "id_number": None}])
    people = {p.name: p for p in db.scalars(select(Person).where(Person.name.in_(["丁", "戊"])))}
    assert {p.phone for p in people.values()} == {""}  # Person.phone's default, on COPY too
    bulk.update_rows(db, Person, [{"id": people["丁"].id, "phone": "13600000000"}])
    db.expire_all()
    assert db.get(Person, people["丁"].id).phone == "13600000000"
    assert db.get(Person, people["戊"].id).phone == ""


def test_a_computed_default_must_be_passed(db, world):
    with pytest.raises(ValueError, match="company.created_at"):
        bulk.insert_rows(db, Company, [{"code": "BULK", "name": "批量"}])
