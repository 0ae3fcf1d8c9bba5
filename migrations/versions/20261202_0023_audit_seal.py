"""audit seal: the chain's head signed with an HMAC whose key is outside the database

Revision ID: 0023_audit_seal
Revises: 0022_claims
Create Date: 2026-12-02 01:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0023_audit_seal'
down_revision: Union[str, Sequence[str], None] = '0022_claims'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'audit_seal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_seal')),
    )


def downgrade() -> None:
    op.drop_table('audit_seal')
