"""telehealth profiles: each client's condition rules and thresholds for vitals triage

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.database.types

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telehealth_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=30), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('updated_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('telehealth_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telehealth_profile_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('telehealth_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telehealth_profile_provider_id'))
    op.drop_table('telehealth_profile')
