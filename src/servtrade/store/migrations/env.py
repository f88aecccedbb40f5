"""Alembic environment for the statistics store on PostgreSQL. The connection comes from
`servtrade.store.migrate`; an advisory lock makes servers and loaders that start together
upgrade one at a time. Its version table is its own, beside the records tables' one."""

from alembic import context

MIGRATION_LOCK = 715_003
VERSION_TABLE = "servtrade_store_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, transaction_per_migration=False, version_table=VERSION_TABLE
)
with context.begin_transaction():
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.run_migrations()
