"""visits: request fingerprints with idempotency keys; lateness flags on a visit's first check-in

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: events stored before fingerprints cannot be compared, and are replayed as before.
    with op.batch_alter_table('visitevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_start_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delivered_after_missed', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('delivered_after_missed')
        batch_op.drop_column('late_start_minutes')
    with op.batch_alter_table('visitevent', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
