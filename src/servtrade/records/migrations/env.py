"""Alembic environment for the records tables on PostgreSQL. The connection comes from
`servtrade.records.postgres.migrate`; an advisory lock makes concurrent loaders that start
together upgrade one at a time."""

from alembic import context

MIGRATION_LOCK = 715_001

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
with context.begin_transaction():
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.run_migrations()
