"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 08:26:39.777121
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('authority',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_authority_id'), ['authority_id'], unique=False)

    op.create_table('client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('geofence_radius_m', sa.Float(), nullable=False),
    sa.Column('access_notes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('tag_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tag_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_ref'), ['ref'], unique=False)

    op.create_table('deadletter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadletter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadletter_provider_id'), ['provider_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('authority_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_username'), ['username'], unique=True)

    op.create_table('auditlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditlog_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditlog_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditlog_provider_id'), ['provider_id'], unique=False)

    op.create_table('carepackage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('carepackage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carepackage_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carepackage_provider_id'), ['provider_id'], unique=False)

    op.create_table('carer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('contracted_hours', sa.Float(), nullable=False),
    sa.Column('home_lat', sa.Float(), nullable=False),
    sa.Column('home_lon', sa.Float(), nullable=False),
    sa.Column('travel_mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('carer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carer_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carer_ref'), ['ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_carer_user_id'), ['user_id'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('rooms', sa.JSON(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('battery', sa.Float(), nullable=True),
    sa.Column('last_seen', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_provider_id'), ['provider_id'], unique=False)

    op.create_table('exportbatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('week_ending', sa.Date(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('file_reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['exportbatch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_reference')
    )
    with op.batch_alter_table('exportbatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exportbatch_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exportbatch_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exportbatch_week_ending'), ['week_ending'], unique=False)

    op.create_table('observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('effective_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_effective_at'), ['effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_provider_id'), ['provider_id'], unique=False)

    op.create_table('sensorevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('sensor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('room', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('received_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_id', 'at', 'sensor', 'sequence')
    )
    with op.batch_alter_table('sensorevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensorevent_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensorevent_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensorevent_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensorevent_provider_id'), ['provider_id'], unique=False)

    op.create_table('visittemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('care_package_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('carers_needed', sa.Integer(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.Column('medications', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['care_package_id'], ['carepackage.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visittemplate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visittemplate_care_package_id'), ['care_package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visittemplate_provider_id'), ['provider_id'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('planned_start', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('planned_end', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('carers_needed', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.Column('medications', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['visittemplate.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visit_date'), ['visit_date'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('severity', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'dedupe_key')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_visit_id'), ['visit_id'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('original', sa.JSON(), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_visit_id'), ['visit_id'], unique=False)

    op.create_table('visitassignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carer.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id', 'carer_id')
    )
    with op.batch_alter_table('visitassignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitassignment_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitassignment_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitassignment_visit_id'), ['visit_id'], unique=False)

    op.create_table('visitevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('device_time', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('server_time', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('review_state', sa.String(length=30), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carer_id'], ['carer.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'idempotency_key')
    )
    with op.batch_alter_table('visitevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitevent_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitevent_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitevent_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visitevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitevent_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visitevent_provider_id'))
        batch_op.drop_index(batch_op.f('ix_visitevent_carer_id'))

    op.drop_table('visitevent')
    with op.batch_alter_table('visitassignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitassignment_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visitassignment_provider_id'))
        batch_op.drop_index(batch_op.f('ix_visitassignment_carer_id'))

    op.drop_table('visitassignment')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_visit_id'))
        batch_op.drop_index(batch_op.f('ix_amendment_provider_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_visit_id'))
        batch_op.drop_index(batch_op.f('ix_alert_state'))
        batch_op.drop_index(batch_op.f('ix_alert_provider_id'))
        batch_op.drop_index(batch_op.f('ix_alert_client_id'))

    op.drop_table('alert')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visit_date'))
        batch_op.drop_index(batch_op.f('ix_visit_status'))
        batch_op.drop_index(batch_op.f('ix_visit_provider_id'))
        batch_op.drop_index(batch_op.f('ix_visit_client_id'))

    op.drop_table('visit')
    with op.batch_alter_table('visittemplate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visittemplate_provider_id'))
        batch_op.drop_index(batch_op.f('ix_visittemplate_care_package_id'))

    op.drop_table('visittemplate')
    with op.batch_alter_table('sensorevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensorevent_provider_id'))
        batch_op.drop_index(batch_op.f('ix_sensorevent_device_id'))
        batch_op.drop_index(batch_op.f('ix_sensorevent_client_id'))
        batch_op.drop_index(batch_op.f('ix_sensorevent_at'))

    op.drop_table('sensorevent')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_provider_id'))
        batch_op.drop_index(batch_op.f('ix_observation_effective_at'))
        batch_op.drop_index(batch_op.f('ix_observation_client_id'))

    op.drop_table('observation')
    with op.batch_alter_table('exportbatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exportbatch_week_ending'))
        batch_op.drop_index(batch_op.f('ix_exportbatch_provider_id'))
        batch_op.drop_index(batch_op.f('ix_exportbatch_authority_id'))

    op.drop_table('exportbatch')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_provider_id'))
        batch_op.drop_index(batch_op.f('ix_device_client_id'))

    op.drop_table('device')
    with op.batch_alter_table('carer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carer_user_id'))
        batch_op.drop_index(batch_op.f('ix_carer_ref'))
        batch_op.drop_index(batch_op.f('ix_carer_provider_id'))

    op.drop_table('carer')
    with op.batch_alter_table('carepackage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carepackage_provider_id'))
        batch_op.drop_index(batch_op.f('ix_carepackage_client_id'))

    op.drop_table('carepackage')
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditlog_provider_id'))
        batch_op.drop_index(batch_op.f('ix_auditlog_at'))
        batch_op.drop_index(batch_op.f('ix_auditlog_actor_id'))

    op.drop_table('auditlog')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_username'))
        batch_op.drop_index(batch_op.f('ix_user_role'))
        batch_op.drop_index(batch_op.f('ix_user_provider_id'))
        batch_op.drop_index(batch_op.f('ix_user_authority_id'))

    op.drop_table('user')
    with op.batch_alter_table('deadletter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadletter_provider_id'))

    op.drop_table('deadletter')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_ref'))
        batch_op.drop_index(batch_op.f('ix_client_provider_id'))

    op.drop_table('client')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_authority_id'))

    op.drop_table('provider')
    op.drop_table('authority')
