"""eldercare: elders, catalogue, care plans, visits, alerts

Revision ID: 0016_eldercare
Revises: 0013_stored_messages
Create Date: 2026-12-01 08:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import pms.core.db


revision: str = '0016_eldercare'
down_revision: Union[str, Sequence[str], None] = '0013_stored_messages'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('care_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('meal', 'cleaning', 'bathing', 'escort', 'visit', 'emergency', 'day_care')", name=op.f('ck_care_service_kind_known')),
    sa.CheckConstraint("unit IN ('meal', 'hour', 'visit')", name=op.f('ck_care_service_unit_known')),
    sa.CheckConstraint('price_fen >= 0 AND min_minutes >= 0', name=op.f('ck_care_service_amounts_sane')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_care_service_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_service')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_care_service_company_id_code'))
    )
    with op.batch_alter_table('care_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_service_company_id'), ['company_id'], unique=False)

    op.create_table('eldercare_setting',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('check_in_start', sa.Time(), nullable=False),
    sa.Column('check_in_end', sa.Time(), nullable=False),
    sa.CheckConstraint('check_in_end > check_in_start', name=op.f('ck_eldercare_setting_window_ordered')),
    sa.CheckConstraint('grace_minutes BETWEEN 0 AND 1440', name=op.f('ck_eldercare_setting_grace_sane')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_eldercare_setting_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_eldercare_setting'))
    )
    op.create_table('elder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('lives_alone', sa.Boolean(), nullable=False),
    sa.Column('daily_check_in', sa.Boolean(), nullable=False),
    sa.Column('disability_tier', sa.Integer(), nullable=True),
    sa.Column('hardship', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('health_notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('home_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('home_code_issued_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('consent_by_id', sa.Integer(), nullable=False),
    sa.Column('consent_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("hardship IS NULL OR hardship IN ('dibao', 'low_income', 'family_planning')", name=op.f('ck_elder_hardship_known')),
    sa.CheckConstraint('disability_tier IS NULL OR disability_tier IN (1, 2)', name=op.f('ck_elder_disability_tier_known')),
    sa.ForeignKeyConstraint(['consent_by_id'], ['user_account.id'], name=op.f('fk_elder_consent_by_id_user_account')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_elder_estate_id_estate')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_elder_person_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_elder_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elder')),
    sa.UniqueConstraint('person_id', name=op.f('uq_elder_person_id'))
    )
    with op.batch_alter_table('elder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elder_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_elder_room_id'), ['room_id'], unique=False)

    op.create_table('care_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('recurrence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("recurrence IN ('daily', 'weekdays', 'weekly')", name=op.f('ck_care_plan_recurrence_known')),
    sa.CheckConstraint("weekdays BETWEEN 0 AND 127 AND (recurrence <> 'weekly' OR weekdays > 0)", name=op.f('ck_care_plan_weekdays_sane')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_care_plan_window_ordered')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_care_plan_dates_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_care_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['elder_id'], ['elder.id'], name=op.f('fk_care_plan_elder_id_elder')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_care_plan_estate_id_estate')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_care_plan_room_id_room')),
    sa.ForeignKeyConstraint(['service_id'], ['care_service.id'], name=op.f('fk_care_plan_service_id_care_service')),
    sa.ForeignKeyConstraint(['worker_id'], ['user_account.id'], name=op.f('fk_care_plan_worker_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plan'))
    )
    with op.batch_alter_table('care_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_plan_elder_id'), ['elder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_plan_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_plan_room_id'), ['room_id'], unique=False)

    op.create_table('elder_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['elder_id'], ['elder.id'], name=op.f('fk_elder_contact_elder_id_elder')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_elder_contact_estate_id_estate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elder_contact'))
    )
    with op.batch_alter_table('elder_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elder_contact_elder_id'), ['elder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_elder_contact_estate_id'), ['estate_id'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('slot', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('starts_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=True),
    sa.Column('checked_out_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('confirmed_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('pin_failures', sa.Integer(), nullable=False),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'checked_in', 'checked_out', 'confirmed', 'missed', 'cancelled')", name=op.f('ck_visit_status_known')),
    sa.CheckConstraint('checked_out_at IS NULL OR checked_in_at IS NOT NULL', name=op.f('ck_visit_out_after_in')),
    sa.CheckConstraint('confirmed_at IS NULL OR checked_out_at IS NOT NULL', name=op.f('ck_visit_confirmed_after_out')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_visit_window_ordered')),
    sa.CheckConstraint('pin_failures BETWEEN 0 AND 5', name=op.f('ck_visit_pin_failures_range')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_visit_booked_by_id_user_account')),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['user_account.id'], name=op.f('fk_visit_checked_in_by_id_user_account')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_visit_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['elder_id'], ['elder.id'], name=op.f('fk_visit_elder_id_elder')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_visit_estate_id_estate')),
    sa.ForeignKeyConstraint(['plan_id'], ['care_plan.id'], name=op.f('fk_visit_plan_id_care_plan')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_visit_room_id_room')),
    sa.ForeignKeyConstraint(['service_id'], ['care_service.id'], name=op.f('fk_visit_service_id_care_service')),
    sa.ForeignKeyConstraint(['worker_id'], ['user_account.id'], name=op.f('fk_visit_worker_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit')),
    sa.UniqueConstraint('elder_id', 'date', 'slot', name=op.f('uq_visit_elder_id_date_slot'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_estate_date', ['estate_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_visit_status_ends_at', ['status', 'ends_at'], unique=False)
        batch_op.create_index('ix_visit_worker_date', ['worker_id', 'date'], unique=False)

    op.create_table('visit_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', pms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('finding', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.CheckConstraint("kind IN ('missed_check_in')", name=op.f('ck_visit_alert_kind_known')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_visit_alert_acknowledged_by_id_user_account')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_visit_alert_estate_id_estate')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_alert_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_alert')),
    sa.UniqueConstraint('visit_id', 'kind', name=op.f('uq_visit_alert_visit_id_kind'))
    )
    with op.batch_alter_table('visit_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_alert_estate_id'), ['estate_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_alert_estate_id'))

    op.drop_table('visit_alert')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_worker_date')
        batch_op.drop_index('ix_visit_status_ends_at')
        batch_op.drop_index(batch_op.f('ix_visit_room_id'))
        batch_op.drop_index('ix_visit_estate_date')

    op.drop_table('visit')
    with op.batch_alter_table('elder_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_elder_contact_estate_id'))
        batch_op.drop_index(batch_op.f('ix_elder_contact_elder_id'))

    op.drop_table('elder_contact')
    with op.batch_alter_table('care_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_plan_room_id'))
        batch_op.drop_index(batch_op.f('ix_care_plan_estate_id'))
        batch_op.drop_index(batch_op.f('ix_care_plan_elder_id'))

    op.drop_table('care_plan')
    with op.batch_alter_table('elder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_elder_room_id'))
        batch_op.drop_index(batch_op.f('ix_elder_estate_id'))

    op.drop_table('elder')
    op.drop_table('eldercare_setting')
    with op.batch_alter_table('care_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_service_company_id'))

    op.drop_table('care_service')
