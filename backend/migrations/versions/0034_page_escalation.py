"""telehealth: out-of-hours pages are acknowledged, and escalate through the clinicians on call in order

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_call_order', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_at')
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.drop_column('on_call_order')
