"""The archive on a SeaweedFS cluster (issue 13, point 5): upload → download → `archive check`,
then one volume server dies: every acknowledged original stays readable, a new upload either
succeeds or gets a clear 503, and the check stays clean. The cluster is locked down like the
managed SeaweedFS."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.services.consistency import run_check
from storage.seaweed.cluster import SeaweedCluster
from tests.helpers import World, corpus, make_app

pytestmark = pytest.mark.slow
DOCS = ["zh_docx_01_songdai_wenxue_jiaoan.docx", "zh_docx_05_jiaoshi_fangtan_dagang.docx",
        "zh_docx_12_yingyu_jiaoxue_zongjie.docx"]


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[SeaweedCluster]:
    with SeaweedCluster(tmp_path / "cluster", "archive") as started:
        yield started


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def check_clean(app: Flask) -> None:
    with app.app_context():
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.ok, report.render()


def test_archive_survives_a_dead_volume_server(cluster: SeaweedCluster, tmp_path: Path) -> None:
    assert cluster.settings is not None
    app = make_app(tmp_path, cluster.settings, S3_BUCKET="archive")
    world = World(app)
    teacher = world.user("t1")
    items = []
    for name in DOCS[:2]:
        res = teacher.upload(corpus(name), title=name)
        assert res.status_code == 201, res.get_json()
        items.append((res.get_json()["id"], hashlib.sha256(corpus(name).read_bytes()).hexdigest()))
    for item_id, digest in items:
        assert hashlib.sha256(teacher.get(f"/api/v1/items/{item_id}/original").data).hexdigest() == digest
    check_clean(app)
    key = f"originals/{items[0][1][:2]}/{items[0][1][2:4]}/{items[0][1]}"
    assert status_of(f"http://127.0.0.1:{cluster.filer.port}/buckets/archive/{key}") == 401  # locked down

    cluster.kill("volume1")
    for item_id, digest in items:  # the replica on volume2 answers
        original = teacher.get(f"/api/v1/items/{item_id}/original")
        assert original.status_code == 200 and hashlib.sha256(original.data).hexdigest() == digest
    res = teacher.upload(corpus(DOCS[2]), title=DOCS[2])
    assert res.status_code in (201, 503), res.get_json()
    if res.status_code == 503:
        assert res.headers.get("Retry-After") and "重试" in res.get_json()["error"]["message"]
        assert len(teacher.get("/api/v1/items").get_json()["items"]) == len(items)
    check_clean(app)

    cluster.start_component("volume1")  # back: uploads work again once it has re-registered
    deadline = time.monotonic() + 90
    while (res := teacher.upload(corpus(DOCS[2]), title=DOCS[2])).status_code == 503:
        assert time.monotonic() < deadline, res.get_json()
        time.sleep(1)
    assert res.status_code == 201, res.get_json()
    check_clean(app)
