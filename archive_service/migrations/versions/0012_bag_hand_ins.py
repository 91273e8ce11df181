"""bag_hand_ins: a teacher's 档案袋 of a term handed in (locked) and its unlocking

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bag_hand_ins',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('teacher_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('term', sa.String(length=11), nullable=False),
        sa.Column('handed_in_at', sa.DateTime(), nullable=False),
        sa.Column('unlocked_at', sa.DateTime(), nullable=True),
        sa.Column('unlocked_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('unlock_reason', sa.Text(), nullable=False, server_default=''),
        sa.UniqueConstraint('teacher_id', 'term'),
    )
    op.create_index('ix_bag_hand_ins_teacher_id', 'bag_hand_ins', ['teacher_id'])


def downgrade() -> None:
    op.drop_table('bag_hand_ins')
