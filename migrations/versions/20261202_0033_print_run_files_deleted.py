"""print run files deleted: when a print run's PDFs were deleted from storage

Issue 15: print-run files in the shared store were never expired. The daily print_run_expiry job
deletes a run's PDFs PMS_PRINT_RUN_KEEP_DAYS (30) days after it finished and records when; the
run's row stays as history.

Revision ID: 0033_print_run_files_deleted
Revises: 0032_inspection_results_index
Create Date: 2026-12-02 19:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import pms.core.db


revision: str = '0033_print_run_files_deleted'
down_revision: Union[str, Sequence[str], None] = '0032_inspection_results_index'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('print_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('files_deleted_at', pms.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('print_run', schema=None) as batch_op:
        batch_op.drop_column('files_deleted_at')
