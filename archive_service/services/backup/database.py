"""Copying the database out and back: VACUUM INTO for SQLite, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import URL, make_url

from archive_service.errors import AppError


def kind_of(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise AppError("backup_database", f"不支持备份 {backend} 数据库：只支持 SQLite 和 PostgreSQL。")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise AppError("backup_database", "内存中的 SQLite 数据库无法备份或恢复。")
    return Path(database)


def _libpq(url: str) -> str:
    parsed: URL = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if not found:
        raise AppError("backup_tool", f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）。")
    return found


def dump(url: str, target: Path) -> str:
    """Write a consistent copy of the database to ``target``; return its file name in the tar."""
    if kind_of(url) == "sqlite":
        source = sqlite_path(url)
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as connection:
            connection.execute("VACUUM INTO ?", (str(target),))
        connection.close()
        return "database/archive.sqlite3"
    result = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url)],
                            capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise AppError("backup_database", f"pg_dump 失败：{result.stderr.strip()[:300]}")
    return "database/archive.pgdump"


def load(url: str, source: Path, name: str) -> None:
    """Put the dumped database ``source`` (tar member ``name``) into the empty database at ``url``."""
    kind = kind_of(url)
    if (kind == "sqlite") != name.endswith(".sqlite3"):
        raise AppError("restore_database", "备份中的数据库类型与本实例不同（SQLite 与 PostgreSQL 之间不能直接恢复）。")
    if kind == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):  # of the empty database replaced
            leftover.unlink(missing_ok=True)
        shutil.copyfile(source, path)
        os.chmod(path, 0o600)
        return
    result = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                             f"--dbname={_libpq(url)}",
                             str(source)], capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise AppError("restore_database", f"pg_restore 失败：{result.stderr.strip()[:300]}")
