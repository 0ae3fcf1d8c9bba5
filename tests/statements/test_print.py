"""`pms statements print`: one PDF per building, room-code order, resumable, re-rendered on change."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from pms.billing.models import Bill
from pms.cli import cli
from pms.statements import printing, services
from tests import factories as f
from tests.statements import helpers as h


@pytest.fixture
def estate(db):
    """YJL: building 1 with rooms 1-1-101, 1-1-102, 1-2-101 (inserted out of order), building 3
    with 3-2-501 and 3-10-101 (natural order: entrance 2 before 10), building 5 without bills for
    2026-01. A December bill exists too (not printed for January)."""
    company, district = f.make_company(db), f.make_district(db)
    yjl = f.make_estate(db, "YJL", "云景里", company, district)
    rooms = {}
    for building, entrance, number, owner in [("1", "2", "101", "赵六"), ("1", "1", "102", "钱七"),
                                              ("1", "1", "101", "孙八"), ("3", "10", "101", "周九"),
                                              ("3", "2", "501", "张三"), ("5", "1", "101", "吴十")]:
        rooms[f"{building}-{entrance}-{number}"] = f.make_room(db, yjl, building, entrance, number,
                                                                owner=(owner, "", None))
    for code, room in rooms.items():
        if not code.startswith("5-"):
            h.make_bill(db, room, "2026-01")
    h.make_bill(db, rooms["1-1-101"], "2025-12")
    db.commit()
    return yjl


def run(runner, out, *extra):
    return runner.invoke(cli, args=["statements", "print", "--estate", "YJL", "--period", "2026-01",
                                    "--out", str(out), "--workers", "1", *extra])


def test_one_pdf_per_building_in_room_order(runner, estate, tmp_path, pdf_tools):
    result = run(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["YJL-2026-01-1.pdf", "YJL-2026-01-3.pdf"]
    assert "2 buildings, 5 statements, written 2, skipped 0, in " in result.output
    pages = pdf_tools.pages((tmp_path / "YJL-2026-01-1.pdf").read_bytes())
    # A cover page, then one page per statement, in room-code order.
    assert len(pages) == 4
    assert "缴费通知单打印汇总" in pages[0] and "¥" in pages[0]  # printed in Chinese by default
    assert [next(code for code in ("YJL-1-1-101", "YJL-1-1-102", "YJL-1-2-101") if code in page)
            for page in pages[1:]] == ["YJL-1-1-101", "YJL-1-1-102", "YJL-1-2-101"]
    assert ["孙*" in pages[1], "钱*" in pages[2], "赵*" in pages[3]] == [True, True, True]  # names masked
    three = pdf_tools.pages((tmp_path / "YJL-2026-01-3.pdf").read_bytes())
    assert ["YJL-3-2-501" in three[1], "YJL-3-10-101" in three[2]] == [True, True]
    manifest = json.loads((tmp_path / "YJL-2026-01-1.manifest.json").read_text())
    assert manifest["statements"] == 3 and manifest["pages"] == 4 and len(manifest["bills"]) == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_cover_sums_the_building(db, estate):
    groups = services.building_statements(db, estate, "2026-01")
    cover = services.building_summary("YJL", "2026-01", "1", groups["1"])
    # Three rooms of 86.55 m² at ¥1.20: 3 × 10386.
    assert (cover["statements"], cover["payable_fen"], cover["outstanding_fen"]) == (3, 31158, 31158)
    assert (cover["first_room"], cover["last_room"]) == ("YJL-1-1-101", "YJL-1-2-101")


def test_rerun_skips_and_a_changed_bill_is_rerendered(app, runner, estate, tmp_path):
    assert run(runner, tmp_path).exit_code == 0
    first = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.pdf")}
    again = run(runner, tmp_path)
    assert again.exit_code == 0, again.output
    assert "2 buildings, 5 statements, written 0, skipped 2" in again.output
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.pdf")} == first
    # Statements are snapshots at issue: a payment since changes nothing printed.
    from pms.core.db import unit_of_work
    from pms.estates.models import Ownership, Person, Room

    with app.app_context(), unit_of_work() as s:
        room_id = s.scalar(select(Room.id).where(Room.code == "YJL-3-2-501"))
        s.execute(update(Bill).where(Bill.room_id == room_id).values(paid_fen=2000))
    assert "written 0, skipped 2" in run(runner, tmp_path).output
    # A new owner of YJL-3-2-501 changes building 3's statements only.
    with app.app_context(), unit_of_work() as s:
        person_id = s.scalar(select(Ownership.person_id).join(Room, Room.id == Ownership.room_id)
                             .where(Room.code == "YJL-3-2-501"))
        s.execute(update(Person).where(Person.id == person_id).values(name="李四"))
    changed = run(runner, tmp_path)
    assert "written 1, skipped 1" in changed.output
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.pdf")}
    assert after["YJL-2026-01-1.pdf"] == first["YJL-2026-01-1.pdf"]
    assert after["YJL-2026-01-3.pdf"] != first["YJL-2026-01-3.pdf"]


def test_missing_manifest_or_pdf_is_rewritten(runner, estate, tmp_path):
    assert run(runner, tmp_path).exit_code == 0
    (tmp_path / "YJL-2026-01-1.manifest.json").unlink()
    (tmp_path / "YJL-2026-01-3.pdf").unlink()
    assert "written 2, skipped 0" in run(runner, tmp_path).output


def test_building_filter(runner, estate, tmp_path):
    result = run(runner, tmp_path, "--building", "3")
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["YJL-2026-01-3.pdf"]
    assert "1 buildings, 2 statements, written 1, skipped 0" in result.output


def test_interrupted_run_leaves_no_half_written_pdf(app, db, estate, tmp_path, monkeypatch):
    jobs = printing.plan_print(db, "YJL", "2026-01", tmp_path)
    real_write = printing.write_atomically
    calls = []

    def crash_on_second_pdf(path, data):
        calls.append(path)
        if path.endswith("-3.pdf"):
            # Die half-way through writing building 3: only part of the bytes reach the temp file.
            real_write_partial(path, data[: len(data) // 2])
        real_write(path, data)

    def real_write_partial(path, data):
        from pathlib import Path

        target = Path(path)
        (target.with_name(f".{target.name}.999.tmp")).write_bytes(data)
        raise KeyboardInterrupt

    monkeypatch.setattr(printing, "write_atomically", crash_on_second_pdf)
    with pytest.raises(KeyboardInterrupt):
        printing.run_print(jobs, app_config={}, workers=1)
    assert (tmp_path / "YJL-2026-01-1.pdf").exists()
    assert not (tmp_path / "YJL-2026-01-3.pdf").exists()
    assert list(tmp_path.glob(".*.tmp"))  # the stale temp file of the crash
    monkeypatch.setattr(printing, "write_atomically", real_write)
    result = printing.run_print(printing.plan_print(db, "YJL", "2026-01", tmp_path), app_config={},
                                workers=1)
    assert (result.written, result.skipped) == (1, 1)
    assert (tmp_path / "YJL-2026-01-3.pdf").read_bytes().startswith(b"%PDF-")
    assert not list(tmp_path.glob(".*.tmp"))


def test_atomic_write_cleans_up_on_error(tmp_path, monkeypatch):
    target = tmp_path / "x.pdf"
    monkeypatch.setattr(printing.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        printing.write_atomically(str(target), b"%PDF-1.7 ...")
    assert list(tmp_path.iterdir()) == []


def test_two_worker_processes(runner, estate, tmp_path, pdf_tools):
    result = runner.invoke(cli, args=["statements", "print", "--estate", "YJL", "--period", "2026-01",
                                      "--out", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "written 2, skipped 0" in result.output
    text = pdf_tools.text((tmp_path / "YJL-2026-01-3.pdf").read_bytes())
    assert "张*" in text and "张三" not in text  # printed for the mailboxes: the owner's name masked


@pytest.mark.parametrize(("args", "message"), [
    (["--estate", "NOPE", "--period", "2026-01"], "unknown estate"),
    (["--estate", "YJL", "--period", "2026-03"], "no bills for estate YJL in period 2026-03"),
    (["--estate", "YJL", "--period", "2026-01", "--building", "5"], "no bills for estate YJL in building 5"),
    (["--estate", "YJL", "--period", "2026-13"], "period"),
])
def test_clear_errors_exit_1(runner, estate, tmp_path, args, message):
    result = runner.invoke(cli, args=["statements", "print", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out").exists()
