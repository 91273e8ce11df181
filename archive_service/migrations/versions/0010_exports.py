"""Exports of the bound collection (files in the object store, frozen register checksum)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('academic_year', sa.String(length=9), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('teacher_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('zero_hour_items', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.ForeignKeyConstraint(['teacher_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exports_job_id', 'exports', ['job_id'])
    op.create_index('ix_exports_school_id', 'exports', ['school_id'])


def downgrade() -> None:
    op.drop_index('ix_exports_school_id', table_name='exports')
    op.drop_index('ix_exports_job_id', table_name='exports')
    op.drop_table('exports')
