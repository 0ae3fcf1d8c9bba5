"""visit ratings: a resident's 1-5 stars and comment on a delivered visit, once per visit

Revision ID: 0019_visit_ratings
Revises: 0017_home_indexes
Create Date: 2026-12-01 18:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template's import)

import pms.core.db


revision: str = '0019_visit_ratings'
down_revision: Union[str, Sequence[str], None] = '0018_eldercare_ops'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('visit_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=False),
    sa.Column('rated_at', pms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_visit_rating_stars_range')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_visit_rating_estate_id_estate')),
    sa.ForeignKeyConstraint(['rated_by_id'], ['user_account.id'], name=op.f('fk_visit_rating_rated_by_id_user_account')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_visit_rating_room_id_room')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_rating_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_rating')),
    sa.UniqueConstraint('visit_id', name=op.f('uq_visit_rating_visit_id'))
    )
    with op.batch_alter_table('visit_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_rating_estate_id'), ['estate_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_rating_estate_id'))
    op.drop_table('visit_rating')
