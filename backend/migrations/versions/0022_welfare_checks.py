"""welfare: checks asked of the person before any alarm, and their timestamped steps

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('welfare_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('detector', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('found_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('raised_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalate_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=30), nullable=True),
    sa.Column('answered_by_user', sa.Integer(), nullable=True),
    sa.Column('answer_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('escalated_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], ),
    sa.ForeignKeyConstraint(['answered_by_user'], ['user.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'dedupe_key')
    )
    with op.batch_alter_table('welfare_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_welfare_check_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_welfare_check_escalate_at'), ['escalate_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_welfare_check_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_welfare_check_state'), ['state'], unique=False)

    op.create_table('welfare_check_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['welfare_check.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('welfare_check_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_welfare_check_step_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_welfare_check_step_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('welfare_check_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_welfare_check_step_provider_id'))
        batch_op.drop_index(batch_op.f('ix_welfare_check_step_check_id'))
    op.drop_table('welfare_check_step')
    with op.batch_alter_table('welfare_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_welfare_check_state'))
        batch_op.drop_index(batch_op.f('ix_welfare_check_provider_id'))
        batch_op.drop_index(batch_op.f('ix_welfare_check_escalate_at'))
        batch_op.drop_index(batch_op.f('ix_welfare_check_client_id'))
    op.drop_table('welfare_check')
