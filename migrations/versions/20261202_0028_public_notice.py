"""public_notice: the annual public notice (公示) of an estate, one frozen snapshot per version

Revision ID: 0028_public_notice
Revises: 0027_issued_documents
Create Date: 2026-12-02 07:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0028_public_notice'
# The main session re-chains this onto 0027 when it merges the branch.
down_revision: Union[str, Sequence[str], None] = '0027_issued_documents'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('public_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('published_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.CheckConstraint('version > 0', name=op.f('ck_public_notice_version_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2999', name=op.f('ck_public_notice_year_range')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_public_notice_estate_id_estate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notice')),
    sa.UniqueConstraint('estate_id', 'year', 'version', name=op.f('uq_public_notice_estate_id_year_version'))
    )
    with op.batch_alter_table('public_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notice_estate_id'), ['estate_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_notice_estate_id'))
    op.drop_table('public_notice')
