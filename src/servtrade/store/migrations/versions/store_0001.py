"""The store's tables, from the statements the embedded store creates them with
(`servtrade.store.sql.SCHEMA`, transpiled); the enterprise records' tables come with their
own migrations.

Revision ID: store_0001
Revises:
Create Date: 2026-12-02
"""

from alembic import op

from servtrade.store import sql

revision = "store_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql.SCHEMA:
        if sql.table_name(statement) not in sql.RECORDS_TABLES:
            op.execute(sql.transpile(statement, "postgres"))


def downgrade() -> None:
    for statement in reversed(sql.SCHEMA):
        name = sql.table_name(statement)
        if name not in sql.RECORDS_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {name}")  # later revisions drop their own
