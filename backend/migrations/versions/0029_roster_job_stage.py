"""rostering: a job's stage (waiting for a worker, loading, solving day i of n, storing) beside its progress

Revision ID: 0029
Revises: 0010
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0029'
down_revision = '0010'  # the rostering branch
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rosterjob', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rosterjob', schema=None) as batch_op:
        batch_op.drop_column('stage')
