"""estate keys: every table that belongs to an estate has estate_id in a UNIQUE or its primary key

Issue 15 (distribution by estate_id): a table keyed by its estate can be sharded by it. Each table
gets its key without a new index where one can take it (tests/core/test_estate_keys.py lists the
tables and why the few global ones with estate_id stay global):
a. a UNIQUE whose leading columns decide the estate (a bill's lines, a visit's alerts) takes
   estate_id as its last column: it means the same, and lookups by the leading columns use it;
b. else an index led by estate_id becomes UNIQUE by taking id as its last column;
c. else a new UNIQUE (estate_id, id) (credit notes, claim lines, disbursements, clawbacks).
A journal line's key is its entry's index with the estate and id appended (entry_id, estate_id,
id), so the ledger's busiest table gains no index. A resident's link to a room takes the room's
estate into its primary key. The insert-or-ignore statements on the extended UNIQUEs (work orders,
ticket alerts, visits, visit alerts, residencies) name estate_id in their conflict target.

Revision ID: 0030_estate_keys
Revises: 0029_print_runs
Create Date: 2026-12-02 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa  # noqa: F401  (the script template's import)
import sqlmodel  # noqa: F401  (the script template's import)

from pms.core.migrate import sqlite_foreign_keys_off


revision: str = '0030_estate_keys'
down_revision: Union[str, Sequence[str], None] = '0029_print_runs'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, its estate key's columns, what the key replaces: ("unique" | "index", name, columns) or None)
KEYS = [
    # a. A UNIQUE whose leading columns decide the estate, with estate_id appended.
    ('bill_line', ['bill_id', 'item_code', 'estate_id'],
     ('unique', 'uq_bill_line_bill_id_item_code', ['bill_id', 'item_code'])),
    ('late_fee_accrual', ['bill_id', 'day', 'estate_id'],
     ('unique', 'uq_late_fee_accrual_bill_id_day', ['bill_id', 'day'])),
    ('payment_reversal', ['payment_id', 'estate_id'],
     ('unique', 'uq_payment_reversal_payment_id', ['payment_id'])),
    ('late_fee_settlement', ['reverses_id', 'estate_id'],
     ('unique', 'uq_late_fee_settlement_reverses_id', ['reverses_id'])),
    ('receipt', ['kind', 'payment_id', 'estate_id'],
     ('unique', 'uq_receipt_kind_payment_id', ['kind', 'payment_id'])),
    ('fee_item', ['fee_plan_id', 'code', 'estate_id'],
     ('unique', 'uq_fee_item_fee_plan_id_code', ['fee_plan_id', 'code'])),
    ('fee_item_entrance', ['fee_item_id', 'entrance_id', 'estate_id'],
     ('unique', 'uq_fee_item_entrance_fee_item_id_entrance_id', ['fee_item_id', 'entrance_id'])),
    ('fee_item_floor_weight', ['fee_item_id', 'floor', 'estate_id'],
     ('unique', 'uq_fee_item_floor_weight_fee_item_id_floor', ['fee_item_id', 'floor'])),
    ('fee_item_room', ['fee_item_id', 'room_id', 'estate_id'],
     ('unique', 'uq_fee_item_room_fee_item_id_room_id', ['fee_item_id', 'room_id'])),
    ('fee_plan_subsidy', ['fee_plan_id', 'item_code', 'period', 'estate_id'],
     ('unique', 'uq_fee_plan_subsidy_fee_plan_id_item_code_period', ['fee_plan_id', 'item_code', 'period'])),
    ('entrance', ['building_id', 'code', 'estate_id'],
     ('unique', 'uq_entrance_building_id_code', ['building_id', 'code'])),
    ('ownership', ['room_id', 'person_id', 'estate_id'],
     ('unique', 'uq_ownership_room_id_person_id', ['room_id', 'person_id'])),
    ('residency', ['room_id', 'person_id', 'estate_id'],
     ('unique', 'uq_residency_room_id_person_id', ['room_id', 'person_id'])),
    ('elder', ['person_id', 'estate_id'],
     ('unique', 'uq_elder_person_id', ['person_id'])),
    ('visit', ['elder_id', 'date', 'slot', 'estate_id'],
     ('unique', 'uq_visit_elder_id_date_slot', ['elder_id', 'date', 'slot'])),
    ('visit_alert', ['visit_id', 'kind', 'estate_id'],
     ('unique', 'uq_visit_alert_visit_id_kind', ['visit_id', 'kind'])),
    ('visit_rating', ['visit_id', 'estate_id'],
     ('unique', 'uq_visit_rating_visit_id', ['visit_id'])),
    ('maintenance_plan', ['equipment_id', 'kind', 'estate_id'],
     ('unique', 'uq_maintenance_plan_equipment_id_kind', ['equipment_id', 'kind'])),
    ('work_order', ['plan_id', 'due_on', 'estate_id'],
     ('unique', 'uq_work_order_plan_id_due_on', ['plan_id', 'due_on'])),
    ('ticket_alert', ['ticket_id', 'kind', 'estate_id'],
     ('unique', 'uq_ticket_alert_ticket_id_kind', ['ticket_id', 'kind'])),
    ('claim_finding', ['claim_id', 'rule', 'line_key', 'estate_id'],
     ('unique', 'uq_claim_finding_claim_id_rule_line_key', ['claim_id', 'rule', 'line_key'])),
    # b. An index led by estate_id, made UNIQUE by id (the journal line's: its entry's index).
    ('journal_line', ['entry_id', 'estate_id', 'id'], ('index', 'ix_journal_line_entry_id', ['entry_id'])),
    ('payment', ['estate_id', 'id'], ('index', 'ix_payment_estate_id', ['estate_id'])),
    ('payment_allocation', ['estate_id', 'id'], ('index', 'ix_payment_allocation_estate_id', ['estate_id'])),
    ('demand', ['estate_id', 'id'], ('index', 'ix_demand_estate_id', ['estate_id'])),
    ('room', ['estate_id', 'id'], ('index', 'ix_room_estate_id', ['estate_id'])),
    ('person', ['estate_id', 'id'], ('index', 'ix_person_estate_id', ['estate_id'])),
    ('care_plan', ['estate_id', 'id'], ('index', 'ix_care_plan_estate_id', ['estate_id'])),
    ('elder_contact', ['estate_id', 'id'], ('index', 'ix_elder_contact_estate_id', ['estate_id'])),
    ('emergency_call', ['estate_id', 'received_at', 'id'],
     ('index', 'ix_emergency_call_estate_received', ['estate_id', 'received_at'])),
    ('equipment', ['estate_id', 'id'], ('index', 'ix_equipment_estate_id', ['estate_id'])),
    ('equipment_certificate', ['estate_id', 'issued_on', 'id'],
     ('index', 'ix_equipment_certificate_estate_issued', ['estate_id', 'issued_on'])),
    ('warranty_component', ['estate_id', 'kind', 'id'],
     ('index', 'ix_warranty_component_estate_kind', ['estate_id', 'kind'])),
    ('planned_work', ['estate_id', 'id'], ('index', 'ix_planned_work_estate_id', ['estate_id'])),
    ('ticket', ['estate_id', 'id'], ('index', 'ix_ticket_estate_id', ['estate_id'])),
    ('ticket_event', ['estate_id', 'id'], ('index', 'ix_ticket_event_estate_id', ['estate_id'])),
    ('ticket_photo', ['estate_id', 'id'], ('index', 'ix_ticket_photo_estate_id', ['estate_id'])),
    ('ticket_cost', ['estate_id', 'id'], ('index', 'ix_ticket_cost_estate_id', ['estate_id'])),
    ('program_allocation', ['estate_id', 'id'], ('index', 'ix_program_allocation_estate_id', ['estate_id'])),
    ('print_run', ['estate_id', 'id'], ('index', 'ix_print_run_estate_id', ['estate_id'])),
    # c. A new UNIQUE (estate_id, id).
    ('credit_note', ['estate_id', 'id'], None),
    ('claim_line', ['estate_id', 'id'], None),
    ('disbursement', ['estate_id', 'id'], None),
    ('clawback', ['estate_id', 'id'], None),
]

USER_ROOM_KEY = ['user_id', 'room_id']


def _unique_name(table: str, columns: list) -> str:
    return f"uq_{table}_{'_'.join(columns)}"  # the naming convention's (pms.core.db)


def upgrade() -> None:
    # SQLite copies every table here, and most have rows that others refer to.
    with sqlite_foreign_keys_off():
        for table, key, replaced in KEYS:
            with op.batch_alter_table(table, schema=None) as batch_op:
                if replaced is not None:
                    kind, name, _columns = replaced
                    if kind == 'unique':
                        batch_op.drop_constraint(op.f(name), type_='unique')
                    else:
                        batch_op.drop_index(op.f(name))
                batch_op.create_unique_constraint(op.f(_unique_name(table, key)), key)
        with op.batch_alter_table('user_room', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('pk_user_room'), type_='primary')
            batch_op.create_primary_key(op.f('pk_user_room'), USER_ROOM_KEY + ['estate_id'])


def downgrade() -> None:
    with sqlite_foreign_keys_off():
        with op.batch_alter_table('user_room', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('pk_user_room'), type_='primary')
            batch_op.create_primary_key(op.f('pk_user_room'), USER_ROOM_KEY)
        for table, key, replaced in reversed(KEYS):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(op.f(_unique_name(table, key)), type_='unique')
                if replaced is not None:
                    kind, name, columns = replaced
                    if kind == 'unique':
                        batch_op.create_unique_constraint(op.f(name), columns)
                    else:
                        batch_op.create_index(op.f(name), columns, unique=False)
