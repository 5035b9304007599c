"""telehealth: interventions (outcome, follow-up, request for the next visit), texts in and out, the person's phone

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intervention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('clinician_user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('follow_up_done_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('for_next_visit', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('agency_seen_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agency_seen_by', sa.Integer(), nullable=True),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['agency_seen_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['clinician_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ),
    sa.ForeignKeyConstraint(['hub_id'], ['hub.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hub_id', 'idempotency_key')
    )
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_follow_up_on'), ['follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_hub_id'), ['hub_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_provider_id'), ['provider_id'], unique=False)

    op.create_table('sms_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=1600), nullable=False),
    sa.Column('reply', sqlmodel.sql.sqltypes.AutoString(length=1600), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ),
    sa.ForeignKeyConstraint(['hub_id'], ['hub.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_message_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_message_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_message_hub_id'), ['hub_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_message_phone'), ['phone'], unique=False)

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_enrolment_phone'), ['phone'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_phone'))
        batch_op.drop_column('phone')

    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_message_phone'))
        batch_op.drop_index(batch_op.f('ix_sms_message_hub_id'))
        batch_op.drop_index(batch_op.f('ix_sms_message_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_sms_message_at'))

    op.drop_table('sms_message')
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_provider_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_hub_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_follow_up_on'))
        batch_op.drop_index(batch_op.f('ix_intervention_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_client_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_at'))

    op.drop_table('intervention')