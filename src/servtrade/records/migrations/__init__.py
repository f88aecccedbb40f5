"""Alembic migrations of the records tables on PostgreSQL."""
