"""telehealth hub: the hub, its clinicians and the people enrolled in its programmes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hub',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('out_of_hours_fallback', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('hub', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_authority_id'), ['authority_id'], unique=False)

    op.create_table('clinician',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('on_call', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['hub_id'], ['hub.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinician_hub_id'), ['hub_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=True),
    sa.Column('condition', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('devices', sa.JSON(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('education_plan', sa.JSON(), nullable=False),
    sa.Column('enrolled_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stepped_down_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('discharged_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('discharge_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('equipment_cost_pence', sa.Integer(), nullable=False),
    sa.Column('monthly_cost_pence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['clinician_id'], ['clinician.id'], ),
    sa.ForeignKeyConstraint(['hub_id'], ['hub.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_clinician_id'), ['clinician_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_condition'), ['condition'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_hub_id'), ['hub_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_state'))
        batch_op.drop_index(batch_op.f('ix_enrolment_provider_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_hub_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_condition'))
        batch_op.drop_index(batch_op.f('ix_enrolment_clinician_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_client_id'))

    op.drop_table('enrolment')
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinician_hub_id'))

    op.drop_table('clinician')
    with op.batch_alter_table('hub', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_authority_id'))

    op.drop_table('hub')