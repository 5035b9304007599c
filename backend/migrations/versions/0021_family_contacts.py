"""operations: family contacts (told of a missed visit when they consented) and family notifications

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-23 12:23:50.528629
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.database.types

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# Named so downgrade can drop it on both databases (PostgreSQL would otherwise pick its own name).
NOTIFICATION_CONTACT_FK = 'fk_notification_family_contact_id'


def upgrade() -> None:
    op.create_table('family_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('notify_missed_visits', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.database.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('family_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_contact_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_contact_provider_id'), ['provider_id'], unique=False)

    # Existing rows are all escalation messages to staff, hence the server default.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='staff', nullable=False))
        batch_op.add_column(sa.Column('family_contact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_family_contact_id'), ['family_contact_id'], unique=False)
        batch_op.create_foreign_key(NOTIFICATION_CONTACT_FK, 'family_contact', ['family_contact_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(NOTIFICATION_CONTACT_FK, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notification_family_contact_id'))
        batch_op.drop_column('family_contact_id')
        batch_op.drop_column('audience')

    with op.batch_alter_table('family_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_contact_provider_id'))
        batch_op.drop_index(batch_op.f('ix_family_contact_client_id'))

    op.drop_table('family_contact')
