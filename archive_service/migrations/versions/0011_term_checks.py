"""term checks (学期检查): the check, its teachers with their samples, the marks on items

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'term_checks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('school_id', sa.Integer(), sa.ForeignKey('schools.id'), nullable=True),
        sa.Column('academic_year', sa.String(length=9), nullable=False),
        sa.Column('term', sa.String(length=11), nullable=False),
        sa.Column('sample_per_teacher', sa.Integer(), nullable=False),
        sa.Column('seed', sa.String(length=64), nullable=False),
        sa.Column('inspector_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('reopen_reason', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_term_checks_school_id', 'term_checks', ['school_id'])
    op.create_table(
        'check_teachers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('check_id', sa.Integer(), sa.ForeignKey('term_checks.id'), nullable=False),
        sa.Column('teacher_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('sample', sa.JSON(), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False, server_default=''),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('check_id', 'teacher_id'),
    )
    op.create_index('ix_check_teachers_check_id', 'check_teachers', ['check_id'])
    op.create_index('ix_check_teachers_teacher_id', 'check_teachers', ['teacher_id'])
    op.create_table(
        'check_marks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('check_id', sa.Integer(), sa.ForeignKey('term_checks.id'), nullable=False),
        sa.Column('item_id', sa.Integer(), sa.ForeignKey('items.id'), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.Column('marked_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('check_id', 'item_id'),
    )
    op.create_index('ix_check_marks_check_id', 'check_marks', ['check_id'])
    op.create_index('ix_check_marks_item_id', 'check_marks', ['item_id'])


def downgrade() -> None:
    op.drop_table('check_marks')
    op.drop_table('check_teachers')
    op.drop_table('term_checks')
