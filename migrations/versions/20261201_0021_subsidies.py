"""subsidies: the programme officer role, programme periods and BIGINT budgets, allocations

Revision ID: 0021_subsidies
Revises: 0020_eldercare_billing
Create Date: 2026-12-02 00:40:00
"""
import contextlib
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

import pms.core.db


revision: str = '0021_subsidies'
down_revision: Union[str, Sequence[str], None] = '0020_eldercare_billing'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROLES_BEFORE = "'admin', 'manager', 'finance', 'technician', 'care_worker', 'resident', 'auditor'"
ROLES_AFTER = ROLES_BEFORE + ", 'officer'"


@contextlib.contextmanager
def _sqlite_foreign_keys_off():
    """SQLite cannot change a CHECK in place: batch mode copies the table and drops the old one,
    which foreign keys from user_session, api_token, visits … refuse while they are ON. SQLite's
    own procedure (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema
    changes"): foreign keys OFF outside a transaction, change, `foreign_key_check`, commit, ON.
    Run first in the revision, so the commit in between holds only the previous revisions' work."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table copy: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")  # alembic's transaction goes on (and commits)


def _role_check(roles: str, officer: bool) -> None:
    with _sqlite_foreign_keys_off(), op.batch_alter_table('user_account', schema=None) as batch_op:
        if not officer:
            batch_op.drop_constraint(batch_op.f('ck_user_account_officer_has_district'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_user_account_role_known'), f"role IN ({roles})")
        if officer:
            batch_op.create_check_constraint(batch_op.f('ck_user_account_officer_has_district'),
                                             "role <> 'officer' OR district_id IS NOT NULL")


def upgrade() -> None:
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
