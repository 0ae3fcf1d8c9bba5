"""elevator snapshot: each estate's elevators due and stopped as of the last refresh, for the homes

Issue 15: the manager's home judged every elevator of the company (33,258 inspection plans and
their results at 1,000,000 households) on each view. The scheduler's maintenance.elevator_snapshot
job refreshes these rows every five minutes and a recorded result refreshes its estate at once;
the job's first run fills them after this upgrade.

Revision ID: 0034_elevator_snapshot
Revises: 0033_print_run_files_deleted
Create Date: 2026-12-02 19:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import pms.core.db


revision: str = '0034_elevator_snapshot'
down_revision: Union[str, Sequence[str], None] = '0033_print_run_files_deleted'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('elevator_snapshot',
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('stopped', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_elevator_snapshot_estate_id_estate')),
    sa.PrimaryKeyConstraint('estate_id', name=op.f('pk_elevator_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('elevator_snapshot')
