"""eldercare billing: the catalogue's programme, each visit's bill line, price and subsidy

Revision ID: 0020_eldercare_billing
Revises: 0017_home_indexes
Create Date: 2026-12-01 18:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

from pms.core.migrate import sqlite_foreign_keys_off


revision: str = '0020_eldercare_billing'
down_revision: Union[str, Sequence[str], None] = '0019_visit_ratings'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNBILLED = "status = 'confirmed' AND price_fen IS NULL"


def upgrade() -> None:
    # care_service and visit are copied on SQLite; plans, visits, alerts and ratings refer to them.
    with sqlite_foreign_keys_off():
        _upgrade()


def _upgrade() -> None:
    with op.batch_alter_table('care_service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('program_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_care_service_program_id_program'), 'program',
                                    ['program_id'], ['id'])
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bill_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('price_fen', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subsidy_fen', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_visit_bill_line_id_bill_line'), 'bill_line',
                                    ['bill_line_id'], ['id'])
        batch_op.create_check_constraint(
            'billed_sane', "(price_fen IS NULL AND subsidy_fen IS NULL AND bill_line_id IS NULL)"
                           " OR (status = 'confirmed' AND price_fen >= 0 AND subsidy_fen BETWEEN 0 AND price_fen)")
    op.create_index('ix_visit_unbilled', 'visit', ['estate_id', 'date'],
                    postgresql_where=sa.text(UNBILLED), sqlite_where=sa.text(UNBILLED))


def downgrade() -> None:
    with sqlite_foreign_keys_off():
        _downgrade()


def _downgrade() -> None:
    op.drop_index('ix_visit_unbilled', table_name='visit')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_visit_billed_sane'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_visit_bill_line_id_bill_line'), type_='foreignkey')
        batch_op.drop_column('subsidy_fen')
        batch_op.drop_column('price_fen')
        batch_op.drop_column('bill_line_id')
    with op.batch_alter_table('care_service', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_care_service_program_id_program'), type_='foreignkey')
        batch_op.drop_column('program_id')
