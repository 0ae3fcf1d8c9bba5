"""billing run totals as BIGINT (an estate's month can pass 2^31 fen)

Revision ID: 0004_billing_runs
Revises: 0005_payments (after the payments branch's revision, so there is one head)
Create Date: 2026-11-23 20:15:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004_billing_runs'
down_revision: Union[str, Sequence[str], None] = '0005_payments'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ('total_fen', 'subsidy_fen', 'payable_fen')


def upgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
