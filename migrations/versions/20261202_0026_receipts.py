"""receipts: one numbered receipt per payment and late-fee payment, reversal notes; the receipt series

Revision ID: 0026_receipts
Revises: 0025_audit_seal_chain
Create Date: 2026-12-02 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0026_receipts'
down_revision: Union[str, Sequence[str], None] = '0025_audit_seal_chain'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SERIES_BEFORE = "'bill', 'credit_note'"
SERIES_AFTER = SERIES_BEFORE + ", 'receipt'"


def _series_check(series: str) -> None:
    # number_counter is copied on SQLite (no table refers to it, so foreign keys may stay on).
    with op.batch_alter_table('number_counter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_number_counter_series_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_number_counter_series_known'), f"series IN ({series})")


def upgrade() -> None:
    _series_check(SERIES_AFTER)
    op.create_table('receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('issued_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('void_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('payment', 'late_fee_settlement', 'reversal_note')",
                       name=op.f('ck_receipt_kind_known')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_receipt_amount_positive')),
    sa.CheckConstraint('seq > 0', name=op.f('ck_receipt_seq_positive')),
    sa.CheckConstraint(
        "(kind = 'payment' AND payment_id IS NOT NULL AND settlement_id IS NULL AND reverses_id IS NULL)"
        " OR (kind = 'late_fee_settlement' AND settlement_id IS NOT NULL AND payment_id IS NULL"
        " AND reverses_id IS NULL)"
        " OR (kind = 'reversal_note' AND reverses_id IS NOT NULL AND void_at IS NULL AND reason <> ''"
        " AND ((payment_id IS NULL) <> (settlement_id IS NULL)))",
        name=op.f('ck_receipt_source_known')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_receipt_company_id_company')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_receipt_estate_id_estate')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_receipt_payment_id_payment')),
    sa.ForeignKeyConstraint(['reverses_id'], ['receipt.id'], name=op.f('fk_receipt_reverses_id_receipt')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_receipt_room_id_room')),
    sa.ForeignKeyConstraint(['settlement_id'], ['late_fee_settlement.id'],
                            name=op.f('fk_receipt_settlement_id_late_fee_settlement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt')),
    sa.UniqueConstraint('company_id', 'year', 'seq', name=op.f('uq_receipt_company_id_year_seq')),
    sa.UniqueConstraint('kind', 'payment_id', name=op.f('uq_receipt_kind_payment_id')),
    sa.UniqueConstraint('kind', 'settlement_id', name=op.f('uq_receipt_kind_settlement_id')),
    sa.UniqueConstraint('number', name=op.f('uq_receipt_number')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_receipt_reverses_id'))
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_room_id'), ['room_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_room_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_estate_id'))
    op.drop_table('receipt')
    # The receipts' numbers go with them: their counters would break the narrower check.
    op.execute("DELETE FROM number_counter WHERE series = 'receipt'")
    _series_check(SERIES_BEFORE)
