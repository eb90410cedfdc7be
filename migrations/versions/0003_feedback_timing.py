"""When stakeholders in a later round see the previous round's results.

Revision ID: 0003_feedback_timing
Revises: 0002_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_feedback_timing"
down_revision = "0002_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(
            sa.Column(
                "previous_results",
                sa.Enum(
                    "before",
                    "after",
                    name="feedback_timing",
                    native_enum=False,
                    create_constraint=True,
                    length=16,
                ),
                server_default="before",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_constraint("feedback_timing", type_="check")
        batch.drop_column("previous_results")
