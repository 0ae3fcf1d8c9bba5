"""Migration 0013: generated ticket history becomes message keys with parameters (in either language
it was written in); a person's notes stay text; downgrade and upgrade again work."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import create_engine, make_url

from pms.core.migrate import alembic_config, upgrade
from tests.spare_database import spare_database

EVENTS = [  # (kind, from, to, note as written up to 0012)
    ("transition", None, "submitted", "电话报修"),            # a filing by phone
    ("transition", None, "submitted", "Filed by phone call"),
    ("transition", "submitted", "accepted", "电话报修"),      # a move's note is a person's words
    ("complaint", "submitted", "submitted", "已标记为投诉"),
    ("complaint", "submitted", "submitted", "Tenant called twice"),
    ("photo", "submitted", "submitted", "已添加 2 张照片"),
    ("assign", "assigned", "assigned", "Reassigned to 赵师傅"),
    ("cost", "assigned", "assigned", "labour: Pipe fitting ×90"),
    ("rating", "closed", "closed", "4/5 来得很快"),
    ("rating", "closed", "closed", "5/5"),
    ("payer", "assigned", "assigned", "owner 12500"),
    ("note", "assigned", "assigned", "Reassigned to nobody"),
]


def _row(conn, table_name: str, **values) -> int:
    """Insert one row into a table as it is at this revision, with the models' defaults for the rest."""
    from pms import import_models
    from pms.core.db import metadata

    import_models()
    model = metadata.tables[table_name]
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    row = {}
    for column in table.columns:
        default = model.columns[column.name].default if column.name in model.columns else None
        if column.name in values:
            row[column.name] = values[column.name]
        elif default is not None and default.is_scalar:
            row[column.name] = default.arg
        elif default is not None and default.is_callable:
            row[column.name] = default.arg(None)
    return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()


def _insert_events(url: str) -> None:
    at = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            district = _row(conn, "district", code="110112", name="通州区")
            company = _row(conn, "company", code="ACME", name="安居物业")
            estate = _row(conn, "estate", code="YJL", name="云景里", district_id=district, company_id=company)
            ticket = _row(conn, "ticket", estate_id=estate, location_label="YJL-3-2-501", category="plumbing",
                          description="漏水", urgency="normal", submitted_at=at, respond_by=at, resolve_by=at)
            for kind, frm, to, note in EVENTS:
                _row(conn, "ticket_event", ticket_id=ticket, estate_id=estate, at=at, actor_name="manager",
                     kind=kind, from_status=frm, to_status=to, note=note)
    finally:
        engine.dispose()


def _converted(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT kind, note, message, params FROM ticket_event ORDER BY id"))]
    finally:
        engine.dispose()


def test_0013_converts_generated_history(database_url, tmp_path):
    from alembic import command

    with spare_database(database_url, tmp_path) as url:
        upgrade(url, "0012_sessions")
        _insert_events(url)
        upgrade(url, "0013_stored_messages")
        rows = _converted(url)
        if make_url(url).get_backend_name() == "sqlite":  # JSON comes back as text there
            import json

            rows = [(k, n, m, json.loads(p) if isinstance(p, str) else p) for k, n, m, p in rows]
        assert rows == [
            ("transition", "电话报修", "maintenance.ticket.filed_by_phone", None),
            ("transition", "Filed by phone call", "maintenance.ticket.filed_by_phone", None),
            ("transition", "电话报修", None, None),
            ("complaint", "已标记为投诉", "maintenance.ticket.complaint_marked", None),
            ("complaint", "Tenant called twice", None, None),
            ("photo", "已添加 2 张照片", "maintenance.ticket.photos_added", {"n": 2}),
            ("assign", "Reassigned to 赵师傅", "maintenance.ticket.reassigned", {"name": "赵师傅"}),
            ("cost", "labour: Pipe fitting ×90", "maintenance.ticket.cost_added",
             {"kind": "labour", "description": "Pipe fitting", "quantity": 90}),
            ("rating", "4/5 来得很快", "maintenance.ticket.rated", {"rating": 4, "comment": "来得很快"}),
            ("rating", "5/5", "maintenance.ticket.rated", {"rating": 5, "comment": ""}),
            ("payer", "owner 12500", "maintenance.ticket.payer_set", {"payer": "owner", "amount": 12500}),
            ("note", "Reassigned to nobody", None, None),
        ]
        # the text stays beside every key: going back loses nothing, and forward again converts again
        command.downgrade(alembic_config(url), "0012_sessions")
        upgrade(url)
        assert [r[2] for r in _converted(url)][:3] == ["maintenance.ticket.filed_by_phone"] * 2 + [None]
