"""server-side sessions, token names, progressive lock-out

Revision ID: 0012_sessions
Revises: 0011_outbox_sender
Create Date: 2026-12-01 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0012_sessions'
down_revision: Union[str, Sequence[str], None] = '0011_outbox_sender'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
