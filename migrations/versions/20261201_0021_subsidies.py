"""subsidies: the programme officer role, programme periods and BIGINT budgets, allocations

Revision ID: 0021_subsidies
Revises: 0020_eldercare_billing
Create Date: 2026-12-02 00:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

import pms.core.db
from pms.core.migrate import sqlite_foreign_keys_off


revision: str = '0021_subsidies'
down_revision: Union[str, Sequence[str], None] = '0020_eldercare_billing'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROLES_BEFORE = "'admin', 'manager', 'finance', 'technician', 'care_worker', 'resident', 'auditor'"
ROLES_AFTER = ROLES_BEFORE + ", 'officer'"


def _role_check(roles: str, officer: bool) -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        if not officer:
            batch_op.drop_constraint(batch_op.f('ck_user_account_officer_has_district'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_user_account_role_known'), f"role IN ({roles})")
        if officer:
            batch_op.create_check_constraint(batch_op.f('ck_user_account_officer_has_district'),
                                             "role <> 'officer' OR district_id IS NOT NULL")


def upgrade() -> None:
    # user_account and program are copied on SQLite; sessions, tokens, bill lines … refer to them.
    with sqlite_foreign_keys_off():
        _upgrade()


def _upgrade() -> None:
    _role_check(ROLES_AFTER, officer=True)
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.alter_column('budget_fen', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=True)
        batch_op.add_column(sa.Column('period_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_to', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_program_period_ordered'),
            "period_from IS NULL OR period_to IS NULL OR period_to >= period_from")
    op.create_table('program_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_program_allocation_amount_positive')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_program_allocation_estate_id_estate')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_program_allocation_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_allocation'))
    )
    with op.batch_alter_table('program_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_allocation_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_program_allocation_program_id'), ['program_id'], unique=False)


def downgrade() -> None:
    officers = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM user_account WHERE role = 'officer'")).scalar()
    if officers:
        # Deleting accounts (their sessions, tokens, audit trail) is no migration's decision.
        raise RuntimeError(f"{officers} programme officer account(s) exist: remove them before "
                           "downgrading below 0021_subsidies")
    with sqlite_foreign_keys_off():
        _downgrade()


def _downgrade() -> None:
    with op.batch_alter_table('program_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_allocation_program_id'))
        batch_op.drop_index(batch_op.f('ix_program_allocation_estate_id'))
    op.drop_table('program_allocation')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_program_period_ordered'), type_='check')
        batch_op.drop_column('period_to')
        batch_op.drop_column('period_from')
        batch_op.alter_column('budget_fen', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=True)
    _role_check(ROLES_BEFORE, officer=False)
