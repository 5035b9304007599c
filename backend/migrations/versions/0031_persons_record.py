"""the person's record: its members, their consent per category, and one-time invitations

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 05:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('relationship', sa.String(length=30), nullable=False),
    sa.Column('attorney', sa.Boolean(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('invited_by', sa.Integer(), nullable=False),
    sa.Column('invited_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['invited_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('record_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_invitation_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_invitation_provider_id'), ['provider_id'], unique=False)

    op.create_table('record_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('relationship', sa.String(length=30), nullable=False),
    sa.Column('attorney', sa.Boolean(), nullable=False),
    sa.Column('added_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', backend.database.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('record_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_member_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_member_provider_id'), ['provider_id'], unique=False)

    op.create_table('record_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('changed_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['record_member.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'category')
    )
    with op.batch_alter_table('record_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_consent_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_consent_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('record_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_consent_provider_id'))
        batch_op.drop_index(batch_op.f('ix_record_consent_member_id'))

    op.drop_table('record_consent')
    with op.batch_alter_table('record_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_member_provider_id'))
        batch_op.drop_index(batch_op.f('ix_record_member_client_id'))

    op.drop_table('record_member')
    with op.batch_alter_table('record_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_invitation_provider_id'))
        batch_op.drop_index(batch_op.f('ix_record_invitation_client_id'))

    op.drop_table('record_invitation')