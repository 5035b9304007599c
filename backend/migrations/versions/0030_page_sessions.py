"""security: a session's kind, so commissioner page sessions live beside device sessions and are never API credentials

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-01 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0030'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='api'))


def downgrade() -> None:
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_column('kind')
