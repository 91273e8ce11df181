"""字数 by document part: the parts of the stored text and the count detail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_parts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('count_detail', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_column('count_detail')
        batch_op.drop_column('text_parts')
