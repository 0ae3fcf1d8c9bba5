"""operations: scheduler heartbeat

Revision ID: 0009_operations
Revises: 0008_late_fee_settlements
Create Date: 2026-12-01 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0009_operations'
down_revision: Union[str, Sequence[str], None] = '0008_late_fee_settlements'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('scheduler_heartbeat',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('beat_at', pms.core.db.UTCDateTime(), nullable=False),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('scheduler_heartbeat')
