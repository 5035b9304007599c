"""telehealth: the caseload's kept signs per enrolment, and the triggers that queue every person whose need may change

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 08:00:00

As finance's prepared figures (0027), triggers queue the changes so no writer can forget to: readings
from devices, the app, texts, forms or seeding, and every enrolment change. Only readings of people with
an open enrolment are queued. Existing open enrolments are queued, so their signs are made on the first
worklist read or by ``domicare hub refresh``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

OPEN = "('active', 'stepped_down')"
ENROLLED = f"client_id IN (SELECT client_id FROM enrolment WHERE state IN {OPEN})"
ROWS = {"insert": ["new_rows"], "delete": ["old_rows"], "update": ["old_rows", "new_rows"]}
WATCHED = {"observation": ("insert", "update", "delete"), "enrolment": ("insert", "update")}


def _trigger(table: str, operation: str) -> str:
    return f"caseload_change_{table}_{operation}"


def _postgresql_upgrade() -> None:
    referencing = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
                   "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
    for table, operations in WATCHED.items():
        only = f" WHERE r.{ENROLLED}" if table == "observation" else ""
        for operation in operations:
            name = _trigger(table, operation)
            clients = " UNION ".join(f"SELECT r.client_id FROM {rows} r{only}" for rows in ROWS[operation])
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"INSERT INTO caseload_change (client_id) {clients}; RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} "
                       f"REFERENCING {referencing[operation]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def _sqlite_upgrade() -> None:
    for table, operations in WATCHED.items():
        for operation in operations:
            rows = {"insert": ["NEW"], "delete": ["OLD"], "update": ["OLD", "NEW"]}[operation]
            when = (" WHEN " + " OR ".join(f"{row}.{ENROLLED}" for row in rows)) if table == "observation" else ""
            body = " ".join(f"INSERT INTO caseload_change (client_id) VALUES ({row}.client_id);" for row in rows)
            op.execute(f"CREATE TRIGGER {_trigger(table, operation)} AFTER {operation.upper()} ON {table} "
                       f"FOR EACH ROW{when} BEGIN {body} END")


def upgrade() -> None:
    op.create_table('caseload_sign',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('sign', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_epoch', sa.Float(), nullable=True),
    sa.Column('reading_rag', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('reading_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('trend_rag', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('trend_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('expected_hours', sa.Float(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ),
    sa.ForeignKeyConstraint(['hub_id'], ['hub.id'], ),
    sa.PrimaryKeyConstraint('enrolment_id', 'sign')
    )
    with op.batch_alter_table('caseload_sign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseload_sign_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_caseload_sign_hub_id'), ['hub_id'], unique=False)

    op.create_table('caseload_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('caseload_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseload_change_client_id'), ['client_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()
    op.execute(f"INSERT INTO caseload_change (client_id) SELECT client_id FROM enrolment WHERE state IN {OPEN}")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, operations in WATCHED.items():
        for operation in operations:
            name = _trigger(table, operation)
            op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
            if postgresql:
                op.execute(f"DROP FUNCTION {name}()")
    op.drop_table('caseload_change')
    op.drop_table('caseload_sign')
