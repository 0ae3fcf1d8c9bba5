"""credit notes; one number counter per company, year and series (bills, credit notes)

Revision ID: 0007_credit_notes
Revises: 0006_billing_keys
Create Date: 2026-11-23 22:08:57.818220
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0007_credit_notes'
down_revision: Union[str, Sequence[str], None] = '0006_billing_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # bill_number_counter becomes number_counter with a series column (bills keep their numbers).
    op.create_table('number_counter',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.CheckConstraint("series IN ('bill', 'credit_note')", name=op.f('ck_number_counter_series_known')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_number_counter_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', 'year', 'series', name=op.f('pk_number_counter'))
    )
    op.execute("INSERT INTO number_counter (company_id, year, series, last_seq)"
               " SELECT company_id, year, 'bill', last_seq FROM bill_number_counter")
    op.drop_table('bill_number_counter')
    op.create_table('credit_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_credit_note_amount_positive')),
    sa.ForeignKeyConstraint(['bill_id', 'estate_id', 'room_id'], ['bill.id', 'bill.estate_id', 'bill.room_id'], name=op.f('fk_credit_note_bill_id_bill')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_credit_note_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note')),
    sa.UniqueConstraint('company_id', 'year', 'seq', name=op.f('uq_credit_note_company_id_year_seq')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_note_number'))
    )
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_bill_id'), ['bill_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_note_bill_id'))
    op.drop_table('credit_note')
    op.create_table('bill_number_counter',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_bill_number_counter_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', 'year', name=op.f('pk_bill_number_counter'))
    )
    op.execute("INSERT INTO bill_number_counter (company_id, year, last_seq)"
               " SELECT company_id, year, last_seq FROM number_counter WHERE series = 'bill'")
    op.drop_table('number_counter')
