"""telehealth: the clinician's phone, which an out-of-hours page is texted to

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('clinician', schema=None) as batch_op:
        batch_op.drop_column('phone')
