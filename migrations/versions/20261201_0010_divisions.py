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
    pass


def downgrade() -> None:
    pass
