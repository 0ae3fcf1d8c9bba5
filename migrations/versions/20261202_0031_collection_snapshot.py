"""collection snapshot: each estate's collection per period as of the last refresh, for the home pages

Issue 15: the manager's and auditor's homes summed what every open bill still owes (1.17 million
rows at 1,000,000 households) on each view. The scheduler now refreshes these rows every five
minutes and each billing run writes its own; `pms billing refresh-collection` fills them at once
after this upgrade (until then the homes' collection chart is empty).

Revision ID: 0031_collection_snapshot
Revises: 0030_estate_keys
Create Date: 2026-12-02 18:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import pms.core.db


revision: str = '0031_collection_snapshot'
down_revision: Union[str, Sequence[str], None] = '0030_estate_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('collection_snapshot',
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('receivable_fen', sa.BigInteger(), nullable=False),
    sa.Column('received_fen', sa.BigInteger(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('households_paid', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_collection_snapshot_estate_id_estate')),
    sa.PrimaryKeyConstraint('estate_id', 'period', name=op.f('pk_collection_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('collection_snapshot')
