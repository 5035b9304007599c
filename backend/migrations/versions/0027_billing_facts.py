"""finance: prepared billing figures per visit, and the triggers that queue every visit whose billing may change

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 04:30:00

Triggers (not the services) queue the changes so no writer can forget to: check-ins, check-outs,
reviews, amendments, the visit watch, rostering, seeding and any future code alike. On PostgreSQL
they are statement-level with transition tables (one insert per statement, however many rows);
SQLite has only row-level ones. Existing visits are queued, so their figures are prepared on first
read or by ``domicare finance refresh``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# Per table: the columns whose change can change a visit's billing, and whether rows name their visit
# by ``id`` (the visit itself) or ``visit_id``. Visit events count only as check-ins and check-outs.
WATCHED = {
    "visit": ("id", ("status", "cancel_reason", "planned_start", "planned_end", "carers_needed", "visit_date",
                     "provider_id", "client_id")),
    "visitassignment": ("visit_id", ("visit_id", "carer_id")),
    "visitevent": ("visit_id", ("visit_id", "carer_id", "kind", "device_time", "method", "verified", "reason",
                                "review_state")),
    "amendment": ("visit_id", ("visit_id", "state", "reason_code", "changes", "created_at", "decided_at")),
}
CHECK_KINDS = "('check_in', 'check_out')"
OPERATIONS = ("insert", "update", "delete")


def _trigger(table: str, operation: str) -> str:
    return f"billing_change_{table}_{operation}"


def _pg_changed(columns: tuple[str, ...]) -> str:
    """The ids of the updated rows whose watched columns changed (JSON compared as text: ``json`` has no ``=``)."""
    def value(row: str, column: str) -> str:
        return f"{row}.{column}::text" if column == "changes" else f"{row}.{column}"
    old, new = (", ".join(value(row, c) for c in columns) for row in ("o", "n"))
    return f"SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ROW({old}) IS DISTINCT FROM ROW({new})"


def _pg_select(table: str, key: str, columns: tuple[str, ...], operation: str) -> str:
    """The changed visits of a statement's transition tables as (visit, provider, day) rows."""
    sources = {"insert": ["new_rows"], "delete": ["old_rows"], "update": ["old_rows", "new_rows"]}[operation]
    only = f" AND r.id IN ({_pg_changed(columns)})" if operation == "update" else ""
    if key == "id":
        return " UNION ".join(f"SELECT r.id, r.provider_id, r.visit_date FROM {rows} r WHERE true{only}"
                              for rows in sources)
    kinds = f" AND r.kind IN {CHECK_KINDS}" if table == "visitevent" else ""
    visits = " UNION ".join(f"SELECT r.visit_id FROM {rows} r WHERE true{kinds}{only}" for rows in sources)
    return f"SELECT v.id, v.provider_id, v.visit_date FROM visit v WHERE v.id IN ({visits})"


def _postgresql_upgrade() -> None:
    # PostgreSQL refuses a column list (UPDATE OF) beside transition tables, so an update compares the
    # watched columns of its old and new rows itself.
    referencing = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
                   "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
    for table, (key, columns) in WATCHED.items():
        for operation in OPERATIONS:
            name = _trigger(table, operation)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO billing_change (visit_id, provider_id, visit_date) "
                f"{_pg_select(table, key, columns, operation)}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} REFERENCING {referencing[operation]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def _sqlite_row(table: str, key: str, row: str) -> str:
    if key == "id":
        return (f"INSERT INTO billing_change (visit_id, provider_id, visit_date) "
                f"VALUES ({row}.id, {row}.provider_id, {row}.visit_date);")
    return (f"INSERT INTO billing_change (visit_id, provider_id, visit_date) "
            f"SELECT id, provider_id, visit_date FROM visit WHERE id = {row}.visit_id;")


def _sqlite_upgrade() -> None:
    for table, (key, columns) in WATCHED.items():
        for operation in OPERATIONS:
            rows = {"insert": ["NEW"], "delete": ["OLD"], "update": ["OLD", "NEW"]}[operation]
            event = f"UPDATE OF {', '.join(columns)}" if operation == "update" else operation.upper()
            when = ""
            if table == "visitevent":
                when = " WHEN " + " OR ".join(f"{row}.kind IN {CHECK_KINDS}" for row in rows)
            body = " ".join(_sqlite_row(table, key, row) for row in rows)
            op.execute(f"CREATE TRIGGER {_trigger(table, operation)} AFTER {event} ON {table} FOR EACH ROW{when} "
                       f"BEGIN {body} END")


def upgrade() -> None:
    op.create_table('billing_fact',
    sa.Column('visit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('rules_key', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('as_of', sa.Integer(), nullable=False),
    sa.Column('planned_visits', sa.Integer(), nullable=False),
    sa.Column('planned_minutes', sa.Integer(), nullable=False),
    sa.Column('delivered_visits', sa.Integer(), nullable=False),
    sa.Column('actual_minutes', sa.Integer(), nullable=False),
    sa.Column('billable_minutes', sa.Integer(), nullable=False),
    sa.Column('pay_minutes', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('short', sa.Integer(), nullable=False),
    sa.Column('unverified', sa.Integer(), nullable=False),
    sa.Column('awaiting_review', sa.Integer(), nullable=False),
    sa.Column('verified_electronically', sa.Integer(), nullable=False),
    sa.Column('carer_visits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('visit_id')
    )
    with op.batch_alter_table('billing_fact', schema=None) as batch_op:
        batch_op.create_index('ix_billing_fact_client_day', ['client_id', 'visit_date'], unique=False)
        batch_op.create_index('ix_billing_fact_provider_day', ['provider_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fact_visit_date'), ['visit_date'], unique=False)

    op.create_table('billing_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('billing_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_change_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_change_visit_date'), ['visit_date'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()
    op.execute("INSERT INTO billing_change (visit_id, provider_id, visit_date) SELECT id, provider_id, visit_date FROM visit")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for operation in OPERATIONS:
            name = _trigger(table, operation)
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
            if postgresql:
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table('billing_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_change_visit_date'))
        batch_op.drop_index(batch_op.f('ix_billing_change_provider_id'))
    op.drop_table('billing_change')
    with op.batch_alter_table('billing_fact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_fact_visit_date'))
        batch_op.drop_index('ix_billing_fact_provider_day')
        batch_op.drop_index('ix_billing_fact_client_day')
    op.drop_table('billing_fact')
