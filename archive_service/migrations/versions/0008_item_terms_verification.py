"""items: 学期 (term) and the school's verification of evidence; attachments: extracted text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:30:00

``items.term`` is filled here with the default boundaries (first term from 1 September,
second from 1 February); a school whose rules file moves them gets the stored terms recomputed
at start-up (``services/derived.py``), like the academic year.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _default_term(d: date) -> str:
    first = d.year if d.month >= 9 else d.year - 1
    second = date(first + 1, 2, 1)
    return f"{first}-{first + 1}-{2 if d >= second else 1}"


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term', sa.String(length=11), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('verification', sa.String(length=20), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('verification_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_items_verified_by', 'users', ['verified_by_id'], ['id'])
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))
    items = sa.table('items', sa.column('id', sa.Integer()), sa.column('completion_date', sa.Date()),
                     sa.column('term', sa.String()))
    conn = op.get_bind()
    for item_id, completed in conn.execute(sa.select(items.c.id, items.c.completion_date)).all():
        when = completed if isinstance(completed, date) else date.fromisoformat(str(completed))
        conn.execute(items.update().where(items.c.id == item_id)
                     .values(term=_default_term(when)))


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('text')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_items_verified_by', type_='foreignkey')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verification_reason')
        batch_op.drop_column('verification')
        batch_op.drop_column('term')
