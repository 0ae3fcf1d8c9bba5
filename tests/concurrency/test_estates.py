"""Estates under real concurrency (issue 8): registry imports of the same new estate at once, on
SQLite and PostgreSQL, followed by `pms audit verify`.

An import reads what exists (districts, streets, estates, buildings, rooms, people) and creates
what is missing; two imports at once would both decide to create the same rows. Imports go one at
a time: PostgreSQL by a transaction-level advisory lock taken before the first read
(`registry.import_rows`), SQLite by the database's one write lock (BEGIN IMMEDIATE).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pms.estates.models import Estate, Ownership, Person, Room, Street
from tests.concurrency.conftest import race, statuses
from tests.concurrency.test_maintenance import post_files
from tests.estates.registry_files import BASE_CODES, csv_bytes, rows

N = 10


def summary(html: bytes) -> dict[str, int]:
    text = html.decode()
    return {k: int(re.search(rf'<td class="{k}">(\d+)</td>', text).group(1))
            for k in ("created", "updated", "unchanged")}


@pytest.fixture
def manager(server, world):
    return server.token("manager")


def test_parallel_imports_of_one_new_estate_create_it_once(server, manager, db, audit_verify):
    data = csv_bytes(rows())
    replies = race(N, lambda i: post_files(server, "/estates/registry/import", [(f"reg{i}.csv", data)],
                                           token=manager, field="file", content_type="text/csv"))
    assert statuses(replies) == [200] * N, [r.body[:300] for r in replies if r.status != 200]
    results = sorted((summary(r.body) for r in replies), key=lambda d: -d["created"])
    assert results == [{"created": 4, "updated": 0, "unchanged": 0}] + [
        {"created": 0, "updated": 0, "unchanged": 4}] * (N - 1)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Estate).where(Estate.code == "NEW")) == 1
    assert db.scalar(select(func.count()).select_from(Street).where(Street.name == "中仓街道")) == 1
    assert sorted(db.scalars(select(Room.code).where(Room.code.like("NEW-%")))) == sorted(BASE_CODES)
    audit_verify()


def test_parallel_imports_changing_one_owner_leave_one_owner(server, manager, db, audit_verify):
    """Each import names another owner of one room: they apply one after the other (each sees the
    one before it), so the room ends with exactly one owner, never two."""
    assert post_files(server, "/estates/registry/import", [("reg.csv", csv_bytes(rows()))], token=manager,
                      field="file", content_type="text/csv").status == 200

    def new_owner(i):
        data = csv_bytes(rows(r0={"owner_name": f"业主{i}", "owner_phone": f"1390000{i:04d}"}))
        return post_files(server, "/estates/registry/import", [(f"reg{i}.csv", data)], token=manager,
                          field="file", content_type="text/csv")

    replies = race(N, new_owner)
    assert statuses(replies) == [200] * N, [r.body[:300] for r in replies if r.status != 200]
    assert [summary(r.body)["updated"] for r in replies] == [1] * N
    db.rollback()
    room = db.scalar(select(Room).where(Room.code == BASE_CODES[0]))
    owners = db.scalars(select(Person.name).join(Ownership, Ownership.person_id == Person.id)
                        .where(Ownership.room_id == room.id)).all()
    assert len(owners) == 1 and owners[0] in {f"业主{i}" for i in range(N)}
    audit_verify()
