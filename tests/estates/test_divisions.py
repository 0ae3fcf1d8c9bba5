"""Administrative divisions (GB/T 2260) as reference data: the shipped file, the `division` table,
and the registry import checking district codes and names against them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.core.migrate import upgrade
from pms.estates import divisions
from pms.estates.models import District, Division, Estate
from pms.estates.registry.importing import import_file
from pms.estates.registry.rows import RegistryInvalid
from tests import factories as f
from tests.estates.registry_files import csv_bytes, rows
from tests.spare_database import spare_database

BEIJING = {
    "110101": "东城区", "110102": "西城区", "110105": "朝阳区", "110106": "丰台区", "110107": "石景山区",
    "110108": "海淀区", "110109": "门头沟区", "110111": "房山区", "110112": "通州区", "110113": "顺义区",
    "110114": "昌平区", "110115": "大兴区", "110116": "怀柔区", "110117": "平谷区", "110118": "密云区",
    "110119": "延庆区",
}


# ---- the shipped file -------------------------------------------------------------------------

def test_the_file_knows_beijing_and_its_16_districts():
    reference = divisions.reference()
    assert reference["110000"] == divisions.DivisionRef("110000", "北京市", "province", None)
    beijing = {code: ref.name for code, ref in reference.items() if ref.parent == "110000"}
    assert beijing == BEIJING
    assert all(reference[code].level == "county" for code in BEIJING)
    assert divisions.county("110101").name == "东城区"
    assert divisions.county("110000") is None  # a province is not a district
    assert divisions.county("999999") is None


@pytest.mark.parametrize("line", [
    "110101,东城区,district,110000",  # unknown level
    "11010,东城区,county,110000",     # not 6 digits
    "110101,,county,110000",          # no name
    "110101,东城区,county,120000",    # unknown parent
    "110000,北京市,province,",        # a code twice
])
def test_a_malformed_file_is_refused(tmp_path, line):
    path = tmp_path / "divisions.csv"
    path.write_text("code,name,level,parent\n110000,北京市,province,\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError):
        divisions.read_file(path)


# ---- the division table -----------------------------------------------------------------------

def test_sync_table_makes_the_table_hold_exactly_the_file(app, db):
    connection = db.connection()
    table = Division.__table__
    connection.execute(table.delete())
    connection.execute(table.insert(), [
        {"code": "110101", "name": "东城", "level": "county", "parent_code": "110000"},  # renamed since
        {"code": "110103", "name": "崇文区", "level": "county", "parent_code": "110000"},  # retired in 2010
    ])
    divisions.sync_table(connection)
    got = {d.code: (d.name, d.level, d.parent_code) for d in db.scalars(select(Division))}
    assert got == {ref.code: (ref.name, ref.level, ref.parent) for ref in divisions.reference().values()}
    assert got["110101"] == ("东城区", "county", "110000")


def test_upgrade_heads_seeds_the_division_table(database_url, tmp_path):
    from pms.core.db import make_engine

    with spare_database(database_url, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                table = Division.__table__
                got = {r.code: r.name for r in conn.execute(select(table.c.code, table.c.name))}
                districts = conn.execute(select(func.count()).select_from(District.__table__)).scalar_one()
        finally:
            engine.dispose()
    assert got == {**BEIJING, "110000": "北京市"}
    assert districts == 0  # district rows are created when something first needs them


# ---- districts created from the reference -----------------------------------------------------

def test_district_for_creates_a_known_district_once(app, db):
    first = divisions.district_for(db, "110101")
    assert (first.code, first.name) == ("110101", "东城区")
    assert divisions.district_for(db, "110101").id == first.id
    assert db.scalar(select(func.count()).select_from(District)) == 1
    assert divisions.district_for(db, "999999") is None
    assert divisions.district_for(db, "110000") is None
    assert divisions.district_for(db, "") is None


def test_a_district_on_record_keeps_its_name(app, db):
    """Rows imported before the reference existed are not renamed."""
    f.make_district(db, "110112", "通州")
    assert divisions.district_for(db, "110112").name == "通州"


# ---- the registry import ----------------------------------------------------------------------

def _import(db, company, data):
    return import_file(db, company, csv_bytes(data))


def _errors(exc_info) -> list[str]:
    return [str(p) for p in exc_info.value.errors]


def _all_rows(**changes) -> list[dict]:
    return [dict(r, **changes) for r in rows()]


def test_a_district_of_the_reference_is_created_under_its_name(app, db):
    company = f.make_company(db)
    result = _import(db, company, _all_rows(district_code="110101", district_name="东城区"))
    assert result.new["districts"] == 1
    estate = db.scalar(select(Estate).where(Estate.code == "NEW"))
    district = db.get(District, estate.district_id)
    assert (district.code, district.name) == ("110101", "东城区")


def test_an_unknown_district_code_is_refused_by_row(app, db):
    company = f.make_company(db)
    data = rows(r0={"district_code": "999999"}, r1={"district_code": "999999"},
                r2={"district_code": "999999"}, r3={"district_code": "999999"})
    with pytest.raises(RegistryInvalid) as exc_info:
        _import(db, company, data)
    assert _errors(exc_info) == [
        f"row {n}, district_code: 999999 is not a district in the national division codes (GB/T 2260)."
        for n in (2, 3, 4, 5)]
    assert db.scalar(select(func.count()).select_from(District)) == 0


def test_a_province_is_not_a_district(app, db):
    company = f.make_company(db)
    with pytest.raises(RegistryInvalid) as exc_info:
        _import(db, company, _all_rows(district_code="110000", district_name="北京市"))
    assert _errors(exc_info)[0] == (
        "row 2, district_code: 110000 is not a district in the national division codes (GB/T 2260).")


def test_a_name_other_than_the_reference_is_refused(app, db):
    """A name that disagrees with the code usually means a mistyped code: the file is refused."""
    company = f.make_company(db)
    with pytest.raises(RegistryInvalid) as exc_info:
        _import(db, company, _all_rows(district_code="110101", district_name="西城区"))
    assert _errors(exc_info) == [
        f"row {n}, district_name: District 110101 is called 东城区 in the national division codes (GB/T 2260)."
        for n in (2, 3, 4, 5)]


def test_a_district_on_record_is_checked_against_its_record(app, db):
    company = f.make_company(db)
    f.make_district(db, "110112", "通州")
    result = _import(db, company, _all_rows(district_name="通州"))
    assert result.new["districts"] == 0
    with pytest.raises(RegistryInvalid) as exc_info:
        _import(db, company, _all_rows(district_name="通州区"))
    assert _errors(exc_info)[0] == "row 2, district_name: District 110112 is on record as 通州."


def test_a_dry_run_creates_no_district(app, db):
    company = f.make_company(db)
    result = import_file(db, company, csv_bytes(_all_rows(district_code="110108", district_name="海淀区")),
                         dry_run=True)
    assert result.new["districts"] == 1
    assert db.scalar(select(func.count()).select_from(District)) == 0


def test_an_auditor_first_then_the_import_share_one_district(app, db):
    company = f.make_company(db)
    auditor = f.make_user(db, "aud", "auditor", district=divisions.district_for(db, "110101"))
    result = _import(db, company, _all_rows(district_code="110101", district_name="东城区"))
    assert result.new["districts"] == 0
    estate = db.scalar(select(Estate).where(Estate.code == "NEW"))
    assert estate.district_id == auditor.district_id
    assert db.scalar(select(func.count()).select_from(District)) == 1
