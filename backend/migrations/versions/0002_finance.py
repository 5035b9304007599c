"""finance: versioned payment rules per authority and the scheduled-export record

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:29:57.407783
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('paymentrule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('billing_unit_minutes', sa.Integer(), nullable=False),
    sa.Column('rounding', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('minimum_billable_minutes', sa.Integer(), nullable=False),
    sa.Column('cap_at_planned', sa.Boolean(), nullable=False),
    sa.Column('double_handed_per_carer', sa.Boolean(), nullable=False),
    sa.Column('bill_missed', sa.Boolean(), nullable=False),
    sa.Column('bill_short_notice_cancellations', sa.Boolean(), nullable=False),
    sa.Column('cancellation_notice_hours', sa.Integer(), nullable=False),
    sa.Column('unverified_billable_before_approval', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('authority_id', 'version')
    )
    with op.batch_alter_table('paymentrule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paymentrule_authority_id'), ['authority_id'], unique=False)

    op.create_table('scheduledexport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('week_ending', sa.Date(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['exportbatch.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'week_ending', 'format')
    )
    with op.batch_alter_table('scheduledexport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduledexport_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduledexport_week_ending'), ['week_ending'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('scheduledexport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduledexport_week_ending'))
        batch_op.drop_index(batch_op.f('ix_scheduledexport_provider_id'))

    op.drop_table('scheduledexport')
    with op.batch_alter_table('paymentrule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paymentrule_authority_id'))

    op.drop_table('paymentrule')
