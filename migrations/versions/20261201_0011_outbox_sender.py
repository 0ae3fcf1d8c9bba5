"""outbox sender states: claimed, sent, attempts, failures

Revision ID: 0011_outbox_sender
Revises: 0010_divisions
Create Date: 2026-12-01 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0011_outbox_sender'
down_revision: Union[str, Sequence[str], None] = '0010_divisions'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
