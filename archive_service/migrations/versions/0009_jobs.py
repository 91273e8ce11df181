"""Job queue records; an item version's text state (OCR and conversions run as jobs)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=False),
        sa.Column('progress_current', sa.String(length=300), nullable=False),
        sa.Column('result', sa.JSON(none_as_null=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('enqueued_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_jobs_state', 'jobs', ['state'])
    op.create_index('ix_jobs_school_id', 'jobs', ['school_id'])
    op.create_index('ix_jobs_item_id', 'jobs', ['item_id'])
    with op.batch_alter_table('item_versions') as batch:
        batch.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='ready'))
        batch.add_column(sa.Column('state_error', sa.Text(), nullable=True))
        batch.add_column(sa.Column('job_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('item_versions') as batch:
        batch.drop_column('job_id')
        batch.drop_column('state_error')
        batch.drop_column('state')
    op.drop_index('ix_jobs_item_id', table_name='jobs')
    op.drop_index('ix_jobs_school_id', table_name='jobs')
    op.drop_index('ix_jobs_state', table_name='jobs')
    op.drop_table('jobs')
