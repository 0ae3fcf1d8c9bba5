"""claims: a programme's claim per estate and period, one line per piece of evidence; review, disbursements, clawbacks

Revision ID: 0022_claims
Revises: 0021_subsidies
Create Date: 2026-12-02 01:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0022_claims'
down_revision: Union[str, Sequence[str], None] = '0021_subsidies'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE_LINE = "status <> 'rejected'"


def upgrade() -> None:
    op.create_table(
        'claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('estate_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_by', sa.String(length=64), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by', sa.String(length=64), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_fen', sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'partly_approved', 'rejected')",
                           name=op.f('ck_claim_status_known')),
        sa.CheckConstraint('total_fen > 0', name=op.f('ck_claim_total_positive')),
        sa.CheckConstraint("(status = 'draft') = (submitted_at IS NULL)",
                           name=op.f('ck_claim_submitted_when_not_draft')),
        sa.CheckConstraint("(status IN ('draft', 'submitted')) = (reviewed_at IS NULL)",
                           name=op.f('ck_claim_reviewed_when_decided')),
        sa.CheckConstraint('approved_fen IS NULL OR approved_fen BETWEEN 0 AND total_fen',
                           name=op.f('ck_claim_approved_within_total')),
        sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_claim_estate_id_estate')),
        sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_claim_program_id_program')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim')),
        sa.UniqueConstraint('estate_id', 'id', name=op.f('uq_claim_estate_id_id')),
    )
    op.create_index(op.f('ix_claim_estate_id'), 'claim', ['estate_id'])
    op.create_index(op.f('ix_claim_program_id'), 'claim', ['program_id'])
    op.create_table(
        'claim_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('estate_id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('evidence_type', sa.String(length=16), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.Column('bill_line_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('approved_fen', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.CheckConstraint('approved_fen IS NULL OR approved_fen BETWEEN 0 AND amount_fen',
                           name=op.f('ck_claim_line_approved_within_amount')),
        sa.CheckConstraint("evidence_type IN ('bill_line', 'visit')", name=op.f('ck_claim_line_evidence_known')),
        sa.CheckConstraint("status IN ('claimed', 'approved', 'partly_approved', 'rejected')",
                           name=op.f('ck_claim_line_status_known')),
        sa.CheckConstraint('amount_fen > 0', name=op.f('ck_claim_line_amount_positive')),
        sa.CheckConstraint("evidence_type <> 'visit' OR visit_id IS NOT NULL",
                           name=op.f('ck_claim_line_visit_evidence_has_visit')),
        sa.ForeignKeyConstraint(['estate_id', 'claim_id'], ['claim.estate_id', 'claim.id'],
                                name=op.f('fk_claim_line_estate_id_claim')),
        sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_claim_line_room_id_room')),
        sa.ForeignKeyConstraint(['bill_line_id'], ['bill_line.id'], name=op.f('fk_claim_line_bill_line_id_bill_line')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_claim_line_visit_id_visit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_line')),
    )
    op.create_index(op.f('ix_claim_line_claim_id'), 'claim_line', ['claim_id'])
    op.create_index(op.f('ix_claim_line_bill_line_id'), 'claim_line', ['bill_line_id'])
    op.create_index(op.f('ix_claim_line_room_id'), 'claim_line', ['room_id'])
    op.create_index('ix_person_id_number', 'person', ['id_number'], postgresql_where=sa.text('id_number IS NOT NULL'),
                    sqlite_where=sa.text('id_number IS NOT NULL'))
    op.create_index('ux_claim_line_live_evidence', 'claim_line', ['evidence_type', 'evidence_id'], unique=True,
                    postgresql_where=sa.text(LIVE_LINE), sqlite_where=sa.text(LIVE_LINE))
    for table, extra in (('disbursement', [sa.Column('paid_on', sa.Date(), nullable=False),
                                           sa.Column('reference', sa.String(length=64), nullable=False)]),
                         ('clawback', [sa.Column('reason', sa.String(length=500), nullable=False)])):
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('claim_id', sa.Integer(), nullable=False),
            sa.Column('estate_id', sa.Integer(), nullable=False),
            sa.Column('amount_fen', sa.BigInteger(), nullable=False),
            *extra,
            sa.Column('recorded_by', sa.String(length=64), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint('amount_fen > 0', name=op.f(f'ck_{table}_amount_positive')),
            sa.ForeignKeyConstraint(['estate_id', 'claim_id'], ['claim.estate_id', 'claim.id'],
                                    name=op.f(f'fk_{table}_estate_id_claim')),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        )
        op.create_index(op.f(f'ix_{table}_claim_id'), table, ['claim_id'])
    op.create_table(
        'claim_finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('estate_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('line_key', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dismissed_by', sa.String(length=64), nullable=True),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dismissal_reason', sa.String(length=500), nullable=False),
        sa.CheckConstraint('(dismissed_at IS NULL) = (dismissed_by IS NULL)',
                           name=op.f('ck_claim_finding_dismissed_by_someone')),
        sa.CheckConstraint("dismissed_at IS NULL OR dismissal_reason <> ''",
                           name=op.f('ck_claim_finding_dismissed_with_reason')),
        sa.ForeignKeyConstraint(['estate_id', 'claim_id'], ['claim.estate_id', 'claim.id'],
                                name=op.f('fk_claim_finding_estate_id_claim')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_finding')),
        sa.UniqueConstraint('claim_id', 'rule', 'line_key', name=op.f('uq_claim_finding_claim_id_rule_line_key')),
    )
    op.create_index(op.f('ix_claim_finding_claim_id'), 'claim_finding', ['claim_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_finding_claim_id'), table_name='claim_finding')
    op.drop_table('claim_finding')
    for table in ('clawback', 'disbursement'):
        op.drop_index(op.f(f'ix_{table}_claim_id'), table_name=table)
        op.drop_table(table)
    op.drop_index('ux_claim_line_live_evidence', table_name='claim_line')
    op.drop_index('ix_person_id_number', table_name='person')
    op.drop_index(op.f('ix_claim_line_room_id'), table_name='claim_line')
    op.drop_index(op.f('ix_claim_line_bill_line_id'), table_name='claim_line')
    op.drop_index(op.f('ix_claim_line_claim_id'), table_name='claim_line')
    op.drop_table('claim_line')
    op.drop_index(op.f('ix_claim_program_id'), table_name='claim')
    op.drop_index(op.f('ix_claim_estate_id'), table_name='claim')
    op.drop_table('claim')
