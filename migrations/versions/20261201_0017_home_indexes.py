"""indexes for the home pages: bills still owing (by due date), credited bills, payments by time

Revision ID: 0017_home_indexes
Revises: 0016_eldercare
Create Date: 2026-12-01 08:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)


revision: str = '0017_home_indexes'
down_revision: Union[str, Sequence[str], None] = '0016_eldercare'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN = "status = 'open'"
WAIVED = "waived_fen > 0"


def upgrade() -> None:
    op.create_index('ix_bill_open_due', 'bill', ['due_date'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
                    postgresql_include=['period', 'estate_id', 'room_id', 'payable_fen', 'waived_fen', 'paid_fen'])
    op.create_index('ix_bill_open_period', 'bill', ['period', 'estate_id'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
                    postgresql_include=['payable_fen', 'waived_fen', 'paid_fen'])
    op.create_index('ix_bill_waived', 'bill', ['period', 'estate_id'],
                    postgresql_where=sa.text(WAIVED), sqlite_where=sa.text(WAIVED),
                    postgresql_include=['waived_fen', 'status'])
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_received_at'))
    op.drop_index('ix_bill_waived', table_name='bill')
    op.drop_index('ix_bill_open_period', table_name='bill')
    op.drop_index('ix_bill_open_due', table_name='bill')
