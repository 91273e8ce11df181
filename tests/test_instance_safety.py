"""Issue 8: instance files are private, and the fault-tolerance rules around uploads."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import S3Settings
from tests.conftest import World, corpus, make_app


@pytest.fixture()
def lax_umask() -> Iterator[None]:
    """Start as a default shell would (umask 022), put the test runner's umask back after."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _loose(folder: Path) -> list[str]:
    """Everything under ``folder`` (itself included) that a group or other user can touch."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            found.append(f"{path.relative_to(folder.parent)} {stat.filemode(mode)}")
    return found


def test_instance_folder_and_files_are_private(tmp_path: Path, s3_server: S3Settings,
                                               lax_umask: None) -> None:
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    (folder / "config.toml").write_text("")  # an old instance's world-readable file
    (folder / "config.toml").chmod(0o644)
    (folder / "logs").mkdir(mode=0o755)
    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="教学总结")
    assert res.status_code == 201, res.get_json()
    assert (folder / "archive.sqlite3").exists() and any((folder / "index").iterdir())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert _loose(folder) == []


def test_held_sqlite_write_lock_gives_503_with_retry_after(app, world: World) -> None:
    teacher = world.user("t1")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    database = Path(app.instance_path) / "archive.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        started = time.monotonic()
        res = teacher.upload(path, title="教学总结")
        waited = time.monotonic() - started
        assert res.status_code == 503, res.get_json()
        assert res.headers["Retry-After"].isdigit()
        assert res.get_json()["error"]["code"] == "busy"
        assert "重试" in res.get_json()["error"]["message"]
        assert waited < 10  # the default busy timeout (5 s) stays well under a proxy's timeout
        assert teacher.get("/api/v1/items").status_code in (200, 503)  # never a 500
    finally:
        holder.rollback()
        holder.close()
    assert teacher.get("/api/v1/items").get_json()["items"] == []
    res = teacher.upload(path, title="教学总结")
    assert res.status_code == 201, res.get_json()


def test_uploads_are_staged_in_the_instance_and_cleaned_even_on_503(
        tmp_path: Path, s3_server: S3Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive_service.services.items import form

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the store is down
    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    app.extensions["archive"].s3["endpoint"] = f"http://127.0.0.1:{port}"
    app.extensions["archive"]._store = None
    seen: list[Path] = []
    real_extract = form.extract

    def spy(path: Path, *args: object, **kwargs: object) -> object:
        seen.append(Path(path))
        return real_extract(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(form, "extract", spy)
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="教学总结")
    assert res.status_code == 503, res.get_json()
    assert res.headers["Retry-After"].isdigit()
    staging = tmp_path / "instance" / "tmp"
    assert [p.parent for p in seen] == [staging]  # staged inside the instance, not /tmp
    assert list(staging.iterdir()) == []  # and removed on the 503 path


def test_stale_staging_files_are_swept_at_start_up(tmp_path: Path, s3_server: S3Settings) -> None:
    staging = tmp_path / "instance" / "tmp"
    staging.mkdir(parents=True)
    stale, fresh = staging / "upload-killed", staging / "upload-in-flight"
    stale.write_bytes(b"x" * 1024)
    fresh.write_bytes(b"y")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))  # left by a process killed two hours ago
    make_app(tmp_path, s3_server)
    assert not stale.exists()
    assert fresh.exists()  # may belong to another process's request right now
