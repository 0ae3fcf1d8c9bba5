"""elder care operations: alert escalation (escalate_minutes, escalated_at) and emergency calls

Revision ID: 0018_eldercare_ops
Revises: 0017_home_indexes
Create Date: 2026-12-01 18:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

import pms.core.db


revision: str = '0018_eldercare_ops'
down_revision: Union[str, Sequence[str], None] = '0017_home_indexes'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN_UNESCALATED = "acknowledged_at IS NULL AND escalated_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table('eldercare_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalate_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_eldercare_setting_escalate_sane'),
                                         'escalate_minutes BETWEEN 1 AND 1440')
    with op.batch_alter_table('visit_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', pms.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_visit_alert_unescalated', 'visit_alert', ['created_at'],
                    postgresql_where=sa.text(OPEN_UNESCALATED), sqlite_where=sa.text(OPEN_UNESCALATED))
    op.create_table('emergency_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('received_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.Column('responded_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('responder_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.CheckConstraint('responded_at IS NULL OR responder_id IS NOT NULL', name=op.f('ck_emergency_call_responder_known')),
    sa.ForeignKeyConstraint(['elder_id'], ['elder.id'], name=op.f('fk_emergency_call_elder_id_elder')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_emergency_call_estate_id_estate')),
    sa.ForeignKeyConstraint(['received_by_id'], ['user_account.id'], name=op.f('fk_emergency_call_received_by_id_user_account')),
    sa.ForeignKeyConstraint(['responder_id'], ['user_account.id'], name=op.f('fk_emergency_call_responder_id_user_account')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_emergency_call_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_call'))
    )
    with op.batch_alter_table('emergency_call', schema=None) as batch_op:
        batch_op.create_index('ix_emergency_call_estate_received', ['estate_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_call_elder_id'), ['elder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_call_room_id'), ['room_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('emergency_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_call_room_id'))
        batch_op.drop_index(batch_op.f('ix_emergency_call_elder_id'))
        batch_op.drop_index('ix_emergency_call_estate_received')
    op.drop_table('emergency_call')
    op.drop_index('ix_visit_alert_unescalated', table_name='visit_alert')
    with op.batch_alter_table('visit_alert', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
    with op.batch_alter_table('eldercare_setting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_eldercare_setting_escalate_sane'), type_='check')
        batch_op.drop_column('escalate_minutes')
