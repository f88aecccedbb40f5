"""Sign-in for people: a password hash per user, sessions, failed attempts.

Revision ID: store_0002
Revises: store_0001
Create Date: 2026-12-02
"""

from alembic import op

from servtrade.store import sql

revision = "store_0002"
down_revision = "store_0001"
branch_labels = None
depends_on = None

TABLES = ("sessions", "sign_in_failures")


def upgrade() -> None:
    for statement in sql.USERS_UPGRADE:
        op.execute(sql.transpile(statement, "postgres"))
    for statement in sql.SCHEMA:
        if sql.table_name(statement) in TABLES:
            op.execute(sql.transpile(statement, "postgres"))


def downgrade() -> None:
    for name in TABLES:
        op.execute(f"DROP TABLE {name}")
    op.execute("ALTER TABLE users DROP COLUMN password_hash")
