"""Records and their quarantine: the same columns as the embedded store's tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sa.Text()
    op.create_table(
        "records",
        sa.Column("record_id", text, nullable=False),
        sa.Column("reporter_id", text, nullable=False),
        sa.Column("reporter_name", text),
        sa.Column("region", text, nullable=False),
        sa.Column("period", text, nullable=False),
        sa.Column("flow", text, nullable=False),
        sa.Column("category", text, nullable=False),
        sa.Column("partner", text, nullable=False),
        sa.Column("mode", text, nullable=False),
        sa.Column("currency", text, nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("contract_id", text),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("load_id", text, nullable=False),
        sa.PrimaryKeyConstraint("record_id", "reported_at"),
    )
    op.create_table(
        "records_quarantine",
        sa.Column("load_id", text, nullable=False),
        sa.Column("file", text, nullable=False),
        sa.Column("row_no", sa.BigInteger(), nullable=False),
        sa.Column("column", text, nullable=False),
        sa.Column("reason", text, nullable=False),
    )
    op.create_index("records_quarantine_load", "records_quarantine", ["load_id"])


def downgrade() -> None:
    op.drop_table("records_quarantine")
    op.drop_table("records")
