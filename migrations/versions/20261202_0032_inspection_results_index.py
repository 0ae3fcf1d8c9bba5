"""inspection results index: each elevator plan's inspection results, for the homes' stopped count

Issue 15: the manager's home read every work order with a result twice (maintenance visits every
15 days are most of them) to find each elevator's last inspection result and last pass. A partial
index of the inspection results alone serves both aggregates.

Revision ID: 0032_inspection_results_index
Revises: 0031_collection_snapshot
Create Date: 2026-12-02 18:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0032_inspection_results_index'
down_revision: Union[str, Sequence[str], None] = '0031_collection_snapshot'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WHERE = sa.text("kind = 'inspection' AND result IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_inspection_results', ['plan_id', 'due_on', 'result'], unique=False,
                              postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_inspection_results')
