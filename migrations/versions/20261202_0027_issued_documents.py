"""issued documents: every issued PDF kept once, by its SHA-256

Revision ID: 0027_issued_documents
Revises: 0026_receipts
Create Date: 2026-12-02 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0027_issued_documents'
down_revision: Union[str, Sequence[str], None] = '0026_receipts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('variant', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=True),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('issued_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('statement', 'receipt', 'credit_note', 'arrears_notice', 'public_notice',"
                       " 'audit_report')", name=op.f('ck_issued_document_kind_known')),
    sa.CheckConstraint('estate_id IS NOT NULL OR district_id IS NOT NULL',
                       name=op.f('ck_issued_document_owner_known')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_issued_document_company_id_company')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_issued_document_district_id_district')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_issued_document_estate_id_estate')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_issued_document_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('kind', 'number', 'variant', name=op.f('uq_issued_document_kind_number_variant')),
    sa.UniqueConstraint('sha256', name=op.f('uq_issued_document_sha256'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_room_id'), ['room_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_room_id'))
        batch_op.drop_index(batch_op.f('ix_issued_document_estate_id'))
    op.drop_table('issued_document')
