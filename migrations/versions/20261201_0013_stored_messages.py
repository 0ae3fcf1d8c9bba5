"""history and notifications as message keys with parameters, rendered in the reader's language

Revision ID: 0013_stored_messages
Revises: 0012_sessions
Create Date: 2026-12-01 08:00:00

Existing ticket history is converted where its text is one of the generated entries (in Chinese or
English); anything else (a person's note) stays text. Existing notifications keep their text: their
titles were composed from labels that cannot be read back into codes reliably, and unknown or
missing keys render the stored text. `ticket_event.note` stays NOT NULL: it holds a person's note
or the fallback text of a generated entry, always written (and a rebuild of the largest history
table on SQLite is avoided).
"""
import re
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0013_stored_messages'
down_revision: Union[str, Sequence[str], None] = '0012_sessions'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The generated history texts as pms wrote them up to 0012 (English msgid, Chinese catalogue).
# A filing is the transition into 'submitted' from nothing; nobody types a note there, so its
# text is always the generated one ("filed", below).
FIXED = {
    ("filed", "Filed by phone call"): "maintenance.ticket.filed_by_phone",
    ("filed", "电话报修"): "maintenance.ticket.filed_by_phone",
    ("complaint", "Marked as a complaint"): "maintenance.ticket.complaint_marked",
    ("complaint", "已标记为投诉"): "maintenance.ticket.complaint_marked",
    ("complaint", "No longer a complaint"): "maintenance.ticket.complaint_unmarked",
    ("complaint", "已取消投诉标记"): "maintenance.ticket.complaint_unmarked",
}
PATTERNS = {
    "photo": [(re.compile(r"^(\d+) photo\(s\) added$"), "maintenance.ticket.photos_added", ("n",)),
              (re.compile(r"^已添加 (\d+) 张照片$"), "maintenance.ticket.photos_added", ("n",))],
    "assign": [(re.compile(r"^Reassigned to (.+)$"), "maintenance.ticket.reassigned", ("name",)),
               (re.compile(r"^已改派给 (.+)$"), "maintenance.ticket.reassigned", ("name",))],
    "cost": [(re.compile(r"^(material|labour): (.*) ×(\d+)$", re.S), "maintenance.ticket.cost_added",
              ("kind", "description", "quantity"))],
    "rating": [(re.compile(r"^([1-5])/5 ?(.*)$", re.S), "maintenance.ticket.rated", ("rating", "comment"))],
    "payer": [(re.compile(r"^(owner|common|fund|warranty) (\d+)$"), "maintenance.ticket.payer_set",
               ("payer", "amount"))],
}
INTEGERS = {"n", "quantity", "rating", "amount"}


def _convert(kind, note):
    """(message, params) for a generated history text, None for anything a person wrote."""
    if (kind, note) in FIXED:
        return FIXED[(kind, note)], None
    for pattern, key, names in PATTERNS.get(kind, ()):
        found = pattern.match(note)
        if found:
            return key, {n: int(v) if n in INTEGERS else v for n, v in zip(names, found.groups())}
    return None


def upgrade() -> None:
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.alter_column('title', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        batch_op.alter_column('body', existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)

    events = sa.table('ticket_event', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                      sa.column('from_status', sa.String), sa.column('to_status', sa.String),
                      sa.column('note', sa.String), sa.column('message', sa.String), sa.column('params', sa.JSON))
    conn = op.get_bind()
    filed = sa.and_(events.c.kind == 'transition', events.c.from_status.is_(None), events.c.to_status == 'submitted')
    rows = conn.execute(sa.select(events.c.id, events.c.kind, events.c.note, filed.label('filed')).where(
        sa.or_(filed, events.c.kind.in_(['complaint', 'photo', 'assign', 'cost', 'rating', 'payer'])),
        events.c.note != '').order_by(events.c.id)).all()
    updates = []
    for row in rows:
        converted = _convert('filed' if row.filed else row.kind, row.note)
        if converted is not None:
            updates.append({'row_id': row.id, 'm': converted[0], 'p': converted[1]})
    if updates:
        conn.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                     .values(message=sa.bindparam('m'), params=sa.bindparam('p')), updates)


def downgrade() -> None:
    # The stored text was kept beside every key, so dropping the keys loses nothing.
    op.execute("UPDATE notification SET title = '' WHERE title IS NULL")
    op.execute("UPDATE notification SET body = '' WHERE body IS NULL")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('body', existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False)
        batch_op.alter_column('title', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False)
        batch_op.drop_column('params')
        batch_op.drop_column('message')
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message')
