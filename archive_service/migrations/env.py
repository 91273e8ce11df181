"""Alembic environment: the URL and connection come from the app (see services/setup.py)."""

from __future__ import annotations

from alembic import context

from archive_service.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("请通过 `archive init` 运行数据库迁移。")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
