"""Configuration: defaults, then ``<instance>/config.toml``, then ``ARCHIVE_*`` environment variables."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from .instance import secure_instance, sweep_staging

ENV_KEYS = {
    "ARCHIVE_S3_ENDPOINT": "S3_ENDPOINT",
    "ARCHIVE_S3_ACCESS_KEY": "S3_ACCESS_KEY",
    "ARCHIVE_S3_SECRET_KEY": "S3_SECRET_KEY",
    "ARCHIVE_S3_BUCKET": "S3_BUCKET",
    "ARCHIVE_DATABASE_URL": "DATABASE_URL",
    "ARCHIVE_SECRET_KEY": "SECRET_KEY",
    "ARCHIVE_MAX_UPLOAD_MB": "MAX_UPLOAD_MB",
    "ARCHIVE_OCR": "OCR_ENABLED",
    "ARCHIVE_PROXY_COUNT": "PROXY_COUNT",
    "ARCHIVE_MAX_INDEXED_CHARS": "MAX_INDEXED_CHARS",
    "ARCHIVE_RESTORE_DAYS": "RESTORE_DAYS",
    "ARCHIVE_SQLITE_BUSY_TIMEOUT": "SQLITE_BUSY_TIMEOUT",
    "ARCHIVE_SEARCH_ENGINE": "SEARCH_ENGINE",
    "ARCHIVE_REDIS_URL": "REDIS_URL",
    "ARCHIVE_JOB_STALE_SECONDS": "JOB_STALE_SECONDS",
    "ARCHIVE_CONVERSIONS": "CONVERSIONS",
}

DEFAULTS: dict[str, Any] = {
    "S3_ENDPOINT": "",  # empty: the service starts and manages a local SeaweedFS
    "S3_ACCESS_KEY": "",
    "S3_SECRET_KEY": "",
    "S3_BUCKET": "archive",
    "DATABASE_URL": "",  # empty: SQLite in the instance folder
    "MAX_UPLOAD_MB": 50,
    "OCR_ENABLED": True,
    "MAX_OCR_PAGES": 30,
    "RESTORE_DAYS": 30,  # days a deleted item can be restored before the sweeper purges it
    "MAX_INDEXED_CHARS": 2_000_000,  # text kept for search and duplicate checks; 字数 counts all
    "SQLITE_BUSY_TIMEOUT": 5,  # seconds a write waits for the lock before answering 503
    "RULES_FILE": "",  # empty: <instance>/rules.toml if it exists
    "SEARCH_ENGINE": "whoosh",  # "whoosh" (embedded, a school) or "tantivy" (a county)
    "TIMEZONE": "Asia/Shanghai",  # how times are shown; they are stored in UTC
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # also Secure whenever the request came over HTTPS
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto are trusted
    "REDIS_URL": "",  # empty: the embedded job queue (SQLite in the instance folder)
    "JOB_STALE_SECONDS": 60,  # a running job without a heartbeat this long is re-queued
    "CONVERSIONS": 0,  # conversions (LibreOffice) run in parallel by an export; 0: one per core
}


def instance_path() -> Path:
    """The instance folder: ``ARCHIVE_INSTANCE`` or ``./instance``."""
    return Path(os.environ.get("ARCHIVE_INSTANCE") or "instance").resolve()


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def _secret_key(folder: Path) -> str:
    """A per-instance random key, generated once and kept in the instance folder."""
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(folder: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config for the instance in ``folder`` (made private first)."""
    secure_instance(folder)
    sweep_staging(folder)
    config = dict(DEFAULTS)
    file = folder / "config.toml"
    if file.exists():
        with file.open("rb") as fh:
            config.update({k.upper(): v for k, v in tomllib.load(fh).items()})
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            config[key] = _coerce(os.environ[env], DEFAULTS.get(key, ""))
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(folder)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{folder / 'archive.sqlite3'}"
    config.setdefault("INDEX_DIR", str(folder / "index"))
    config.setdefault("SEAWEED_DIR", str(folder / "seaweedfs"))
    config.setdefault("JOB_QUEUE_FILE", str(folder / "jobs-queue.sqlite3"))
    if not config["RULES_FILE"] and (folder / "rules.toml").exists():
        config["RULES_FILE"] = str(folder / "rules.toml")
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 1024 * 1024
    return config
