"""telehealth: a hub's own tenancy for people it monitors who receive no home care

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hub_only', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('hub', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_hub_provider_id_provider', 'provider', ['provider_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('hub', schema=None) as batch_op:
        batch_op.drop_constraint('fk_hub_provider_id_provider', type_='foreignkey')
        batch_op.drop_column('provider_id')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_column('hub_only')
