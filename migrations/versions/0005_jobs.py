"""background jobs and their persisted results

Revision ID: 0005_jobs
Revises: 0004_options
Create Date: 2026-11-27 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_jobs'
down_revision = '0004_options'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='job_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('result', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('progress IS NULL OR (progress >= 0 AND progress <= 1)', name=op.f('ck_jobs_progress_range')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_jobs_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_key'))
        batch_op.drop_index(batch_op.f('ix_jobs_consultation_id'))
    op.drop_table('jobs')
