"""SeaweedFS killed in the middle of an upload (issue 8, fault tests): the client gets 503 with
Retry-After, nothing is recorded, and the same upload succeeds once the supervisor restarted it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.runtime import abort_stale_uploads
from archive_service.services.consistency import run_check
from storage import ManagedSeaweedFS, S3ObjectStore
from storage.seaweed.supervisor import Supervisor
from tests.helpers import World, corpus, make_app

pytestmark = pytest.mark.slow
MIB = 1024 * 1024
SMALL = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


@pytest.fixture()
def supervised(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(ManagedSeaweedFS(tmp_path / "weed", "faults"), on_start=abort_stale_uploads,
                            backoff=(3.0, 1.0), poll=0.1)  # 3 s: longer than the client's retries
    supervisor.start()
    yield supervisor
    supervisor.stop()


@pytest.fixture()
def fault_app(tmp_path: Path, supervised: Supervisor) -> Flask:
    assert supervised.weed.settings is not None
    return make_app(tmp_path, supervised.weed.settings, S3_BUCKET="faults")


def big_docx(tmp_path: Path) -> Path:
    """A real teaching document made larger than 5 MiB by an embedded (incompressible) file."""
    path = tmp_path / "大文件.docx"
    shutil.copyfile(corpus(SMALL), path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("word/media/scan.bin", os.urandom(7 * MIB))
    return path


def kill_on(store: S3ObjectStore, method: str, call: int, weed: ManagedSeaweedFS) -> None:
    """SIGKILL weed right before the ``call``-th call of the SDK's ``method`` (as the bytes go out)."""
    original: Callable[..., Any] = getattr(store._client, method)
    calls = [0]

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == call and weed.pid is not None:
            os.kill(weed.pid, signal.SIGKILL)
            time.sleep(0.2)  # the kernel has closed its sockets
        return original(*args, **kwargs)

    setattr(store._client, method, dying)


@pytest.mark.parametrize(("size", "method", "call"), [("small", "_put_object", 1), ("multipart", "_upload_part", 2)])
def test_seaweedfs_killed_during_put(fault_app: Flask, supervised: Supervisor, tmp_path: Path,
                                     size: str, method: str, call: int) -> None:
    world = World(fault_app)
    teacher = world.user("t1")
    path = corpus(SMALL) if size == "small" else big_docx(tmp_path)
    with fault_app.app_context():
        store = archive.store
        assert isinstance(store, S3ObjectStore)
        store.part_size = 5 * MIB
        kill_on(store, method, call, supervised.weed)

    res = teacher.upload(path, title="断电中的上传")
    assert res.status_code == 503, res.get_json()
    assert res.headers.get("Retry-After") and "重试" in res.get_json()["error"]["message"]
    assert teacher.get("/api/v1/items").get_json()["items"] == []

    def restarted() -> bool:
        health = supervised.health()
        return health.state == "running" and health.restarts == 1 and supervised.weed.running

    deadline = time.monotonic() + 60
    while not restarted():
        assert time.monotonic() < deadline, supervised.health()
        time.sleep(0.2)
    with fault_app.app_context():
        fresh = S3ObjectStore.from_settings(supervised.weed.settings)  # type: ignore[arg-type]
        assert fresh.list_incomplete_uploads() == []  # the torn multipart was aborted at restart
        assert list(fresh.list_objects("originals/")) == []  # no object of the failed upload
        fault_app.extensions["archive"].use_s3(**{k: getattr(supervised.weed.settings, k) for k in
                                                   ("endpoint", "access_key", "secret_key", "bucket")})

    again = teacher.upload(path, title="断电中的上传")
    assert again.status_code == 201, again.get_json()
    item = again.get_json()
    original = teacher.get(f"/api/v1/items/{item['id']}/original")
    assert hashlib.sha256(original.data).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    with fault_app.app_context():
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.ok, report.render()
