"""composite keys for bill lines and journal lines; partial ledger indexes; no fee_item_id on lines

A billing run writes ~3 bill lines and ~5 journal lines per room, and PostgreSQL checks every
foreign key of every row: the copies of a parent's estate and room are now checked by one
composite key to the parent instead of a key each, redundant indexes are gone, and the ledger's
room and prepayment indexes skip the revenue lines. A line's fee item is (the run's plan, item_code).

Revision ID: 0006_billing_keys
Revises: 0004_billing_runs
Create Date: 2026-11-23 22:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006_billing_keys'
down_revision: Union[str, Sequence[str], None] = '0004_billing_runs'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROOM_LINES = "room_id IS NOT NULL"
PREPAYMENT_LINES = "account = 'prepayment'"


def upgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_billing_run_id_estate_id'), ['id', 'estate_id'])
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_estate_id')
        batch_op.create_unique_constraint(batch_op.f('uq_journal_entry_estate_id_id'), ['estate_id', 'id'])

    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_index('ix_bill_room_id')
        batch_op.drop_index('ix_bill_billing_run_id')
        batch_op.drop_constraint('fk_bill_estate_id_estate', type_='foreignkey')
        batch_op.drop_constraint('fk_bill_billing_run_id_billing_run', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_bill_billing_run_id_billing_run'), 'billing_run',
                                    ['billing_run_id', 'estate_id'], ['id', 'estate_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_bill_id_estate_id_room_id'), ['id', 'estate_id', 'room_id'])

    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.drop_index('ix_bill_line_bill_id')
        batch_op.drop_index('ix_bill_line_estate_id')
        for name in ('fk_bill_line_bill_id_bill', 'fk_bill_line_estate_id_estate', 'fk_bill_line_room_id_room',
                     'fk_bill_line_fee_item_id_fee_item'):
            batch_op.drop_constraint(name, type_='foreignkey')
        batch_op.drop_column('fee_item_id')
        batch_op.create_foreign_key(batch_op.f('fk_bill_line_bill_id_bill'), 'bill',
                                    ['bill_id', 'estate_id', 'room_id'], ['id', 'estate_id', 'room_id'])

    with op.batch_alter_table('journal_line', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_line_estate_id')
        batch_op.drop_index('ix_journal_line_room_account')
        batch_op.drop_constraint('fk_journal_line_entry_id_journal_entry', type_='foreignkey')
        batch_op.drop_constraint('fk_journal_line_estate_id_estate', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_journal_line_estate_id_journal_entry'), 'journal_entry',
                                    ['estate_id', 'entry_id'], ['estate_id', 'id'])
    op.create_index('ix_journal_line_room_account', 'journal_line', ['room_id', 'account'],
                    sqlite_where=sa.text(ROOM_LINES), postgresql_where=sa.text(ROOM_LINES))
    op.create_index('ix_journal_line_prepayment', 'journal_line', ['estate_id', 'room_id'],
                    sqlite_where=sa.text(PREPAYMENT_LINES), postgresql_where=sa.text(PREPAYMENT_LINES))


def downgrade() -> None:
    op.drop_index('ix_journal_line_prepayment', table_name='journal_line')
    op.drop_index('ix_journal_line_room_account', table_name='journal_line')
    with op.batch_alter_table('journal_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_journal_line_estate_id_journal_entry', type_='foreignkey')
        batch_op.create_foreign_key('fk_journal_line_estate_id_estate', 'estate', ['estate_id'], ['id'])
        batch_op.create_foreign_key('fk_journal_line_entry_id_journal_entry', 'journal_entry', ['entry_id'], ['id'])
        batch_op.create_index('ix_journal_line_room_account', ['room_id', 'account'], unique=False)
        batch_op.create_index('ix_journal_line_estate_id', ['estate_id'], unique=False)

    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_bill_line_bill_id_bill', type_='foreignkey')
        batch_op.add_column(sa.Column('fee_item_id', sa.Integer(), nullable=True))
    # The fee item of an old line: its run's plan and its code.
    op.execute("UPDATE bill_line SET fee_item_id = (SELECT fi.id FROM bill b"
               " JOIN billing_run r ON r.id = b.billing_run_id"
               " JOIN fee_item fi ON fi.fee_plan_id = r.fee_plan_id AND fi.code = bill_line.item_code"
               " WHERE b.id = bill_line.bill_id)")
    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.alter_column('fee_item_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_bill_line_fee_item_id_fee_item', 'fee_item', ['fee_item_id'], ['id'])
        batch_op.create_foreign_key('fk_bill_line_room_id_room', 'room', ['room_id'], ['id'])
        batch_op.create_foreign_key('fk_bill_line_estate_id_estate', 'estate', ['estate_id'], ['id'])
        batch_op.create_foreign_key('fk_bill_line_bill_id_bill', 'bill', ['bill_id'], ['id'])
        batch_op.create_index('ix_bill_line_estate_id', ['estate_id'], unique=False)
        batch_op.create_index('ix_bill_line_bill_id', ['bill_id'], unique=False)

    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_constraint('uq_bill_id_estate_id_room_id', type_='unique')
        batch_op.drop_constraint('fk_bill_billing_run_id_billing_run', type_='foreignkey')
        batch_op.create_foreign_key('fk_bill_billing_run_id_billing_run', 'billing_run', ['billing_run_id'], ['id'])
        batch_op.create_foreign_key('fk_bill_estate_id_estate', 'estate', ['estate_id'], ['id'])
        batch_op.create_index('ix_bill_billing_run_id', ['billing_run_id'], unique=False)
        batch_op.create_index('ix_bill_room_id', ['room_id'], unique=False)

    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_constraint('uq_journal_entry_estate_id_id', type_='unique')
        batch_op.create_index('ix_journal_entry_estate_id', ['estate_id'], unique=False)
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.drop_constraint('uq_billing_run_id_estate_id', type_='unique')
