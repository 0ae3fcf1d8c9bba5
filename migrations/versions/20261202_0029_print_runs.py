"""print runs: statements, receipts and notices printed per building by the scheduler

Revision ID: 0029_print_runs
Revises: 0028_public_notice
Create Date: 2026-12-02 07:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0029_print_runs'
down_revision: Union[str, Sequence[str], None] = '0028_public_notice'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('print_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('buildings_total', sa.Integer(), nullable=False),
    sa.Column('buildings_done', sa.Integer(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('statements', 'receipts', 'notices')", name=op.f('ck_print_run_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_print_run_status_known')),
    sa.CheckConstraint(
        "(kind = 'statements' AND period IS NOT NULL AND date_from IS NULL AND date_to IS NULL)"
        " OR (kind = 'receipts' AND period IS NULL AND date_from IS NOT NULL"
        " AND date_to IS NOT NULL AND date_from <= date_to)"
        " OR (kind = 'notices' AND period IS NULL AND date_from IS NULL AND date_to IS NULL)",
        name=op.f('ck_print_run_scope_known')),
    sa.CheckConstraint('buildings_done >= 0 AND buildings_done <= buildings_total',
                       name=op.f('ck_print_run_progress_in_range')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_print_run_company_id_company')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_print_run_estate_id_estate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_run'))
    )
    with op.batch_alter_table('print_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_run_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index('ix_print_run_status_heartbeat_at', ['status', 'heartbeat_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('print_run', schema=None) as batch_op:
        batch_op.drop_index('ix_print_run_status_heartbeat_at')
        batch_op.drop_index(batch_op.f('ix_print_run_estate_id'))
    op.drop_table('print_run')
