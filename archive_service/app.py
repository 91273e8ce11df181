"""Application factory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, session
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .commands import register_flask_commands
from .config import instance_path, load_config
from .db import db
from .errors import NotFound
from .extensions import archive
from .services import sessions

if TYPE_CHECKING:
    from .models import User

ROOT = Path(__file__).resolve().parent.parent
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL; SQLite overflows at 2**63
login_manager = LoginManager()
csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None, instance: Path | None = None) -> Flask:
    folder = (instance or instance_path()).resolve()
    app = Flask(
        __name__,
        instance_path=str(folder),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "archive_service" / "static"),
    )
    app.config.update(load_config(folder, overrides))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    db.init_app(app)
    archive.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    app.url_value_preprocessor(_ids_fit)
    _register_blueprints(app)
    register_flask_commands(app)
    return app


def _ids_fit(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """``<int:…>`` path parts beyond what the database holds name nothing: 404, not a 500."""
    if any(isinstance(v, int) and v > MAX_ID for v in (values or {}).values()):
        raise NotFound()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of a live server-side session (see services/sessions.py)."""
    key = session.get("sk")
    if not user_id.isdigit() or not isinstance(key, str):
        return None
    return sessions.user_of(db.session, int(user_id), key)


def _register_blueprints(app: Flask) -> None:
    from .web import (
        account,
        admin,
        api,
        audit_log,
        auth,
        checks,
        errors,
        exports_page,
        health,
        index_status,
        inspector,
        items,
        jobs,
        ledger,
        security,
        teacher,
    )
    from .web.common import discard_staged
    from .web.filters import register_filters

    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(items.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(inspector.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(exports_page.bp)
    app.register_blueprint(ledger.bp)
    app.register_blueprint(checks.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    csrf.exempt(api.bp)  # token-authenticated, never cookie-authenticated
    errors.register(app)
    app.teardown_request(discard_staged)
    security.register(app)
    audit_log.register(app)
    index_status.register(app)
    register_filters(app)
