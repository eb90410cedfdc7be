"""identity: session versions, removed members

Revision ID: 0002_identity
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_identity"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(
            sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
