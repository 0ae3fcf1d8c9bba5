"""audit seal chain: each seal signs the previous seal's MAC; seals looked up by MAC

Revision ID: 0025_audit_seal_chain
Revises: 0024_claim_evidence
Create Date: 2026-12-02 04:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0025_audit_seal_chain'
down_revision: Union[str, Sequence[str], None] = '0024_claim_evidence'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Seals already taken keep "" (their MACs were made without a link); later ones are linked.
    with op.batch_alter_table('audit_seal') as batch:
        batch.add_column(sa.Column('prev_mac', sa.String(length=64), nullable=False, server_default=''))
    op.create_index(op.f('ix_audit_seal_mac'), 'audit_seal', ['mac'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_seal_mac'), table_name='audit_seal')
    with op.batch_alter_table('audit_seal') as batch:
        batch.drop_column('prev_mac')
