"""Every table that belongs to an estate has `estate_id` in its primary key or in a UNIQUE (issue
15: distribution by estate_id), in the models and in the migrated database alike; every other
table says here why it is global. A new table fails until it does one or the other."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table, UniqueConstraint

from pms import import_models
from pms.core.db import make_engine, metadata

ESTATE = "estate_id"

# Tables without estate_id: above the estates, or shared by them.
GLOBAL_TABLES = {
    "api_token": "a user's bearer token: accounts are global",
    "audit_seal": "seals the head of the audit log, one chain over all estates",
    "care_service": "a company's elder-care catalogue, offered in all its estates",
    "company": "a property company runs many estates",
    "district": "a district holds many estates",
    "division": "national reference data (GB/T 2260) shipped with the code",
    "eldercare_setting": "one row of elder-care settings per company",
    "estate": "the estates themselves: their id is every other table's estate_id",
    "number_counter": "bills, credit notes and receipts are numbered per company and year, across its estates",
    "program": "a district's subsidy programme pays in many estates",
    "scheduler_heartbeat": "the scheduler process's sign of life",
    "street": "a district's street office; estates refer to it",
    "user_account": "logins: a company's staff, residents of rooms in any estate, a district's auditors and officers",
    "user_session": "a login's browser session: accounts are global",
}

# Tables with estate_id that stay global nonetheless.
GLOBAL_ESTATE_TABLES = {
    "audit_entry": "one hash chain over all estates (seq and hash are global); estate_id is NULL for "
                   "actions outside an estate",
    "issued_document": "kept by its content: sha256 is unique over all documents, and a district's audit "
                       "reports have no estate (estate_id NULL)",
    "notification": "a user's inbox over all their estates; estate_id is optional context (NULL outside one)",
    "outbox_message": "one queue over all estates for the sender process; estate_id is optional (NULL "
                      "outside an estate)",
}


def _model_partial(index: Index) -> bool:
    return any(index.dialect_kwargs.get(f"{dialect}_where") is not None for dialect in ("postgresql", "sqlite"))


def _model_tables(md: MetaData) -> dict[str, tuple[set[str], set[tuple[str, ...]]]]:
    """Each table's columns and keys: its primary key, its UNIQUE constraints and its UNIQUE indexes
    (a partial one holds for some rows only: no key)."""
    tables = {}
    for name, table in md.tables.items():
        keys = {tuple(c.name for c in table.primary_key.columns)}
        keys |= {tuple(c.name for c in constraint.columns) for constraint in table.constraints
                 if isinstance(constraint, UniqueConstraint)}
        keys |= {tuple(c.name for c in index.columns) for index in table.indexes
                 if index.unique and not _model_partial(index)}
        tables[name] = ({c.name for c in table.columns}, keys)
    return tables


def _database_tables(engine) -> dict[str, tuple[set[str], set[tuple[str, ...]]]]:
    """The same as `_model_tables`, read from the database's catalogue."""
    tables = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            keys = {tuple(inspector.get_pk_constraint(name)["constrained_columns"])}
            keys |= {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
            keys |= {tuple(i["column_names"]) for i in inspector.get_indexes(name)
                     if i["unique"] and not any(k.endswith("_where") and v is not None
                                                for k, v in i.get("dialect_options", {}).items())}
            tables[name] = ({c["name"] for c in inspector.get_columns(name)}, keys)
    return tables


def _offences(tables: dict[str, tuple[set[str], set[tuple[str, ...]]]]) -> list[str]:
    """What breaks the rule, one line per table."""
    found = []
    for name, (columns, keys) in sorted(tables.items()):
        if ESTATE not in columns:
            if name not in GLOBAL_TABLES:
                found.append(f"{name}: no {ESTATE} — add it (and a key), or say in GLOBAL_TABLES why it is global")
        elif name in GLOBAL_TABLES:
            found.append(f"{name}: has {ESTATE} — move it to GLOBAL_ESTATE_TABLES or give it an estate key")
        elif name in GLOBAL_ESTATE_TABLES:
            if any(ESTATE in key for key in keys):
                found.append(f"{name}: has an estate key now — drop it from GLOBAL_ESTATE_TABLES")
        elif not any(ESTATE in key for key in keys):
            found.append(f"{name}: {ESTATE} is in no primary key or UNIQUE — append it to a UNIQUE whose "
                         f"columns decide the estate, or add UNIQUE ({ESTATE}, id), or say in "
                         f"GLOBAL_ESTATE_TABLES why it is global")
    return found


def _estate_keys(tables) -> dict[str, set[tuple[str, ...]]]:
    return {name: {key for key in keys if ESTATE in key} for name, (_columns, keys) in tables.items()}


def test_every_table_has_an_estate_key_or_says_why_it_is_global():
    import_models()
    offences = _offences(_model_tables(metadata))
    assert not offences, "\n".join(offences)


def test_the_global_lists_name_real_tables_with_reasons():
    import_models()
    stale = sorted((set(GLOBAL_TABLES) | set(GLOBAL_ESTATE_TABLES)) - set(metadata.tables))
    assert stale == [], "no such table: drop it from the lists"
    assert not set(GLOBAL_TABLES) & set(GLOBAL_ESTATE_TABLES)
    assert all(reason.strip() for reason in [*GLOBAL_TABLES.values(), *GLOBAL_ESTATE_TABLES.values()])
    for name in GLOBAL_ESTATE_TABLES:
        assert ESTATE in metadata.tables[name].c, f"{name} has no {ESTATE}: it belongs in GLOBAL_TABLES"


def test_a_new_table_without_a_key_or_a_reason_is_named():
    md = MetaData()
    Table("estate", md, Column("id", Integer, primary_key=True))
    Table("gadget", md, Column("id", Integer, primary_key=True),
          Column(ESTATE, Integer, ForeignKey("estate.id"), index=True))
    Table("gizmo", md, Column("id", Integer, primary_key=True))
    Table("widget", md, Column("id", Integer, primary_key=True), Column(ESTATE, Integer), Column("status", Integer),
          Index("ux_widget_live", ESTATE, "id", unique=True, sqlite_where=sa.text("status = 1")))
    Table("keyed", md, Column("id", Integer, primary_key=True), Column(ESTATE, Integer),
          UniqueConstraint(ESTATE, "id"))
    assert [line.split(":")[0] for line in _offences(_model_tables(md))] == ["gadget", "gizmo", "widget"]


def test_the_migrated_database_has_the_models_estate_keys(database_url):
    # The session database was built from empty by `upgrade heads` (see conftest).
    import_models()
    engine = make_engine(database_url)
    try:
        database = _database_tables(engine)
    finally:
        engine.dispose()
    assert set(database) == set(metadata.tables)
    offences = _offences(database)
    assert not offences, "\n".join(offences)
    assert _estate_keys(database) == _estate_keys(_model_tables(metadata))
