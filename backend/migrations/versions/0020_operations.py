"""operations: scheduler lease and job runs, on-call contacts, notifications, sign-in attempts, device sessions

Revision ID: 0020
Revises: 0001
Create Date: 2026-11-23 08:34:05.476923
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0020'
down_revision = '0001'
branch_labels = ('operations',)
depends_on = None


def upgrade() -> None:
    op.create_table('job_run',
    sa.Column('job_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('last_started_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('run_count', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.PrimaryKeyConstraint('job_id')
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('acquired_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('signin_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signin_attempt_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_signin_attempt_username'), ['username'], unique=False)

    op.create_table('oncall_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oncall_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_contact_provider_id'), ['provider_id'], unique=False)

    op.create_table('device_session',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('refresh_hash', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('previous_refresh_hash', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_session_previous_refresh_hash'), ['previous_refresh_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_session_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_session_refresh_hash'), ['refresh_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_session_revoked_at'), ['revoked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_session_user_id'), ['user_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'level', 'channel', 'address')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_state'))
        batch_op.drop_index(batch_op.f('ix_notification_provider_id'))
        batch_op.drop_index(batch_op.f('ix_notification_alert_id'))

    op.drop_table('notification')
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_device_session_revoked_at'))
        batch_op.drop_index(batch_op.f('ix_device_session_refresh_hash'))
        batch_op.drop_index(batch_op.f('ix_device_session_provider_id'))
        batch_op.drop_index(batch_op.f('ix_device_session_previous_refresh_hash'))

    op.drop_table('device_session')
    with op.batch_alter_table('oncall_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oncall_contact_provider_id'))

    op.drop_table('oncall_contact')
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_signin_attempt_ip'))
        batch_op.drop_index(batch_op.f('ix_signin_attempt_at'))

    op.drop_table('signin_attempt')
    op.drop_table('scheduler_lease')
    op.drop_table('job_run')
