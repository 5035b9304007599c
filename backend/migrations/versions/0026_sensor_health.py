"""sensor health: online state, battery and last report per sensor, not per gateway (device.battery goes)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sensor_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('sensor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('room', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('battery', sa.Float(), nullable=True),
    sa.Column('last_seen', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_id', 'sensor')
    )
    with op.batch_alter_table('sensor_health', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_health_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_health_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_health_provider_id'), ['provider_id'], unique=False)
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('battery')


def downgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('battery', sa.Float(), nullable=True))
    with op.batch_alter_table('sensor_health', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_health_provider_id'))
        batch_op.drop_index(batch_op.f('ix_sensor_health_device_id'))
        batch_op.drop_index(batch_op.f('ix_sensor_health_client_id'))
    op.drop_table('sensor_health')
