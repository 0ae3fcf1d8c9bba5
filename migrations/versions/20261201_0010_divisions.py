"""administrative divisions (GB/T 2260) as reference data

Revision ID: 0010_divisions
Revises: 0009_operations
Create Date: 2026-12-01 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0010_divisions'
down_revision: Union[str, Sequence[str], None] = '0009_operations'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('division',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
    sa.CheckConstraint("level IN ('province', 'prefecture', 'county')", name=op.f('ck_division_level_known')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_division'))
    )
    # The rows of pms/estates/data/divisions.csv as shipped with this release; existing
    # `district` rows are left as they are (their names stay what was imported).
    from pms.estates.divisions import sync_table

    division = sa.table('division', sa.column('code'), sa.column('name'), sa.column('level'),
                        sa.column('parent_code'))
    sync_table(op.get_bind(), division)


def downgrade() -> None:
    op.drop_table('division')
