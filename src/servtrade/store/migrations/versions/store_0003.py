"""The store's revision: one row counting audited writes, which every process serving the
store reads to know when the answers it keeps are out of date.

Revision ID: store_0003
Revises: store_0002
Create Date: 2026-12-02
"""

from alembic import op

from servtrade.store import sql

revision = "store_0003"
down_revision = "store_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql.SCHEMA:
        if sql.table_name(statement) == "store_revision":
            op.execute(sql.transpile(statement, "postgres"))
    op.execute(sql.transpile(sql.SEED_REVISION, "postgres"))


def downgrade() -> None:
    op.execute("DROP TABLE store_revision")
