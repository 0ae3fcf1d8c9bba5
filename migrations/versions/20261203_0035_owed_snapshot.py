"""owed snapshot: each estate's open bills and what they owe per period and due date, for the finance home

Issue 15: the finance home grouped every open bill of the company on each view (1.17 million
right after the monthly run at 1,000,000 households: 1.5 s). The scheduler's collection_snapshot
job now refreshes these rows too, every five minutes; its first run fills them after this upgrade.

Revision ID: 0035_owed_snapshot
Revises: 0034_elevator_snapshot
Create Date: 2026-12-03 10:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0035_owed_snapshot'
down_revision: Union[str, Sequence[str], None] = '0034_elevator_snapshot'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('owed_snapshot',
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('open_bills', sa.Integer(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('refreshed_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_owed_snapshot_estate_id_estate')),
    sa.PrimaryKeyConstraint('estate_id', 'period', 'due_date', name=op.f('pk_owed_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('owed_snapshot')
