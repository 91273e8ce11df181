"""Database creation and migration (Alembic), and the first admin account."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select

from storage import ObjectStore

from ..db import UnitOfWork
from ..models import User
from ..vocabulary import Role
from .accounts import add_user, generate_password
from .derived import refresh_derived
from .settings import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def initialise(engine: Engine, uow: UnitOfWork, settings: Settings,
               store: ObjectStore | None = None) -> str | None:
    """Migrate; bring rule-dependent stored values up to date (with ``store``, also extract
    again the Word originals stored before 字数 told parts apart); create the admin account if
    there is no user.  Returns the admin's password, once."""
    migrate(engine)
    with uow() as session:
        refresh_derived(session, settings, store)
    with uow() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = generate_password()
        add_user(session, username="admin", name="系统管理员", role=Role.ADMIN, password=password,
                 must_change_password=True)  # the printed password works once
        return password
