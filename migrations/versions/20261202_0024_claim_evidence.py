"""claim evidence: elevator inspection certificates, renovation contract amounts, what elevator and
renovation programmes pay, and claim lines standing on a certificate or a completed work

Revision ID: 0024_claim_evidence
Revises: 0023_audit_seal
Create Date: 2026-12-02 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

import pms.core.db
from pms.core.migrate import sqlite_foreign_keys_off


revision: str = '0024_claim_evidence'
down_revision: Union[str, Sequence[str], None] = '0023_audit_seal'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE_LINE = "status <> 'rejected'"
TYPES_BEFORE = "'bill_line', 'visit'"
TYPES_AFTER = TYPES_BEFORE + ", 'certificate', 'work'"


def upgrade() -> None:
    # program and renovation_project are copied on SQLite; bill lines, claims, components refer to them.
    with sqlite_foreign_keys_off():
        _upgrade()


def _upgrade() -> None:
    op.create_table(
        'equipment_certificate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('equipment_id', sa.Integer(), nullable=False),
        sa.Column('estate_id', sa.Integer(), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('valid_until IS NULL OR valid_until >= issued_on',
                           name=op.f('ck_equipment_certificate_valid_after_issue')),
        sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'],
                                name=op.f('fk_equipment_certificate_equipment_id_equipment')),
        sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_equipment_certificate_estate_id_estate')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_certificate')),
        sa.UniqueConstraint('number', name=op.f('uq_equipment_certificate_number')),
    )
    op.create_index(op.f('ix_equipment_certificate_equipment_id'), 'equipment_certificate', ['equipment_id'])
    op.create_index('ix_equipment_certificate_estate_issued', 'equipment_certificate', ['estate_id', 'issued_on'])
    with op.batch_alter_table('renovation_project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_fen', sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_renovation_project_contract_positive'),
                                         'contract_fen IS NULL OR contract_fen > 0')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('percent', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_program_unit_not_negative'),
                                         'unit_fen IS NULL OR unit_fen >= 0')
        batch_op.create_check_constraint(batch_op.f('ck_program_percent_range'),
                                         'percent IS NULL OR percent BETWEEN 0 AND 100')
    # The partial index is dropped around SQLite's table copy and made again as it was.
    op.drop_index('ux_claim_line_live_evidence', table_name='claim_line')
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.alter_column('room_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('bill_line_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(batch_op.f('ck_claim_line_evidence_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_claim_line_evidence_known'),
                                         f"evidence_type IN ({TYPES_AFTER})")
        batch_op.create_check_constraint(
            batch_op.f('ck_claim_line_billed_evidence_has_bill_line'),
            "evidence_type NOT IN ('bill_line', 'visit') OR (bill_line_id IS NOT NULL AND room_id IS NOT NULL)")
    op.create_index('ux_claim_line_live_evidence', 'claim_line', ['evidence_type', 'evidence_id'], unique=True,
                    postgresql_where=sa.text(LIVE_LINE), sqlite_where=sa.text(LIVE_LINE))


def downgrade() -> None:
    lines = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM claim_line WHERE evidence_type IN ('certificate', 'work')")).scalar()
    if lines:
        # Deleting claim lines (their claims' totals, ledger entries and findings) is no migration's decision.
        raise RuntimeError(f"{lines} claim line(s) stand on certificates or renovation works: remove them "
                           "before downgrading below 0024_claim_evidence")
    with sqlite_foreign_keys_off():
        _downgrade()


def _downgrade() -> None:
    op.drop_index('ux_claim_line_live_evidence', table_name='claim_line')
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_claim_line_billed_evidence_has_bill_line'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_claim_line_evidence_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_claim_line_evidence_known'),
                                         f"evidence_type IN ({TYPES_BEFORE})")
        batch_op.alter_column('bill_line_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('room_id', existing_type=sa.Integer(), nullable=False)
    op.create_index('ux_claim_line_live_evidence', 'claim_line', ['evidence_type', 'evidence_id'], unique=True,
                    postgresql_where=sa.text(LIVE_LINE), sqlite_where=sa.text(LIVE_LINE))
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_program_percent_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_program_unit_not_negative'), type_='check')
        batch_op.drop_column('percent')
        batch_op.drop_column('unit_fen')
    with op.batch_alter_table('renovation_project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_renovation_project_contract_positive'), type_='check')
        batch_op.drop_column('contract_fen')
    op.drop_index('ix_equipment_certificate_estate_issued', table_name='equipment_certificate')
    op.drop_index(op.f('ix_equipment_certificate_equipment_id'), table_name='equipment_certificate')
    op.drop_table('equipment_certificate')
