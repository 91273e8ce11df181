"""学时台账: teaching-research groups, activities with attendance, exam scores

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'teaching_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['leader_id'], ['users.id']),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('school_id', 'name'),
    )
    op.create_index('ix_teaching_groups_school_id', 'teaching_groups', ['school_id'])
    op.create_table(
        'group_members',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['teaching_groups.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index('ix_group_members_group_id', 'group_members', ['group_id'])
    op.create_table(
        'activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('academic_year', sa.String(length=9), nullable=False),
        sa.Column('term', sa.String(length=11), nullable=False),
        sa.Column('session_hours', sa.Double(), nullable=True),
        sa.Column('lecturer_id', sa.Integer(), nullable=True),
        sa.Column('lecturer_name', sa.String(length=100), nullable=False),
        sa.Column('in_school_expert', sa.Boolean(), nullable=False),
        sa.Column('organizer_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['group_id'], ['teaching_groups.id']),
        sa.ForeignKeyConstraint(['lecturer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['organizer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_activities_school_year', 'activities', ['school_id', 'academic_year'])
    op.create_table(
        'attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('teacher_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('notes_handed_in', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id']),
        sa.ForeignKeyConstraint(['teacher_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('activity_id', 'teacher_id'),
    )
    op.create_index('ix_attendance_teacher_id', 'attendance', ['teacher_id'])
    op.create_table(
        'exam_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('academic_year', sa.String(length=9), nullable=False),
        sa.Column('teacher_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.ForeignKeyConstraint(['teacher_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('academic_year', 'teacher_id'),
    )
    op.create_index('ix_exam_scores_school_year', 'exam_scores', ['school_id', 'academic_year'])


def downgrade() -> None:
    op.drop_index('ix_exam_scores_school_year', table_name='exam_scores')
    op.drop_table('exam_scores')
    op.drop_index('ix_attendance_teacher_id', table_name='attendance')
    op.drop_table('attendance')
    op.drop_index('ix_activities_school_year', table_name='activities')
    op.drop_table('activities')
    op.drop_index('ix_group_members_group_id', table_name='group_members')
    op.drop_table('group_members')
    op.drop_index('ix_teaching_groups_school_id', table_name='teaching_groups')
    op.drop_table('teaching_groups')
