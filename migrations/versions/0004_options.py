"""options, their appraisal by assessors

Revision ID: 0004_options
Revises: 0003_feedback_timing
Create Date: 2026-11-27 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_options'
down_revision = '0003_feedback_timing'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('facilitator', 'stakeholder', 'board')"
NEW_ROLES = "role IN ('facilitator', 'stakeholder', 'board', 'assessor')"


def _roles(check: str) -> None:
    for table in ('memberships', 'invitations'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role', check)


def upgrade():
    _roles(NEW_ROLES)
    op.create_table('options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('annual_cost', sa.Float(), nullable=True),
    sa.Column('cost_unit', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('annual_cost IS NULL OR annual_cost >= 0', name=op.f('ck_options_cost_non_negative')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_options_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_options')),
    sa.UniqueConstraint('consultation_id', 'name', name=op.f('uq_options_consultation_id_name'))
    )
    with op.batch_alter_table('options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_options_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('option_appraisals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('pairwise', 'ratings', name='appraisal_mode', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('synthesis', sa.Enum('distributive', 'ideal', name='synthesis', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_option_appraisals_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_option_appraisals')),
    sa.UniqueConstraint('consultation_id', name=op.f('uq_option_appraisals_consultation_id'))
    )
    op.create_table('option_judgments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('option_a_id', sa.Integer(), nullable=False),
    sa.Column('option_b_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('option_a_id < option_b_id', name=op.f('ck_option_judgments_canonical_pair')),
    sa.CheckConstraint('value >= 0.1111111101111111 AND value <= 9.000000001', name=op.f('ck_option_judgments_on_scale')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_option_judgments_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_a_id'], ['options.id'], name=op.f('fk_option_judgments_option_a_id_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_b_id'], ['options.id'], name=op.f('fk_option_judgments_option_b_id_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcomes.id'], name=op.f('fk_option_judgments_outcome_id_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_option_judgments')),
    sa.UniqueConstraint('membership_id', 'outcome_id', 'option_a_id', 'option_b_id', name=op.f('uq_option_judgments_membership_id_outcome_id_option_a_id_option_b_id'))
    )
    with op.batch_alter_table('option_judgments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_option_judgments_membership_id'), ['membership_id'], unique=False)

    op.create_table('option_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0.0 AND score <= 10.0', name=op.f('ck_option_ratings_on_scale')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_option_ratings_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['options.id'], name=op.f('fk_option_ratings_option_id_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcomes.id'], name=op.f('fk_option_ratings_outcome_id_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_option_ratings')),
    sa.UniqueConstraint('membership_id', 'outcome_id', 'option_id', name=op.f('uq_option_ratings_membership_id_outcome_id_option_id'))
    )
    with op.batch_alter_table('option_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_option_ratings_membership_id'), ['membership_id'], unique=False)


def downgrade():
    with op.batch_alter_table('option_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_option_ratings_membership_id'))
    op.drop_table('option_ratings')
    with op.batch_alter_table('option_judgments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_option_judgments_membership_id'))
    op.drop_table('option_judgments')
    op.drop_table('option_appraisals')
    with op.batch_alter_table('options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_options_consultation_id'))
    op.drop_table('options')
    op.execute("DELETE FROM invitations WHERE role = 'assessor'")
    op.execute("DELETE FROM memberships WHERE role = 'assessor'")
    _roles(OLD_ROLES)
