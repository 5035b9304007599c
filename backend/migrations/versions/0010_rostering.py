"""rostering: roster jobs (background solves, results, published diffs)

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-23 08:32:56.195587
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types


revision = '0010'
down_revision = '0001'
branch_labels = ('rostering',)
depends_on = None


def upgrade() -> None:
    op.create_table('rosterjob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('roster_date', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reroster', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('diff', sa.JSON(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['published_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'idempotency_key')
    )
    op.create_index(op.f('ix_rosterjob_provider_id'), 'rosterjob', ['provider_id'], unique=False)
    op.create_index(op.f('ix_rosterjob_roster_date'), 'rosterjob', ['roster_date'], unique=False)
    op.create_index(op.f('ix_rosterjob_status'), 'rosterjob', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rosterjob_status'), table_name='rosterjob')
    op.drop_index(op.f('ix_rosterjob_roster_date'), table_name='rosterjob')
    op.drop_index(op.f('ix_rosterjob_provider_id'), table_name='rosterjob')
    op.drop_table('rosterjob')
