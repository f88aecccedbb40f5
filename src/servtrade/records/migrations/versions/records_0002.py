"""The quarantine names the record (record_id, reporter_id), the value found, and the
line of a text file.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("record_id", sa.Text()),
    ("reporter_id", sa.Text()),
    ("value", sa.Text()),
    ("line", sa.BigInteger()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("records_quarantine", sa.Column(name, kind))


def downgrade() -> None:
    for name, _kind in reversed(COLUMNS):
        op.drop_column("records_quarantine", name)
