"""Issue 12 points 1-2: the job queue, job records and the API, uploads that answer at once
while OCR runs as a job, failures with an admin retry, and a worker killed midway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.job_runner import drain
from archive_service.models import Item, ItemVersion, Job
from storage import S3Settings
from tests.conftest import World, corpus, make_app
from tests.redis_server import redis_server

SCAN = "edge_01_scan_zhongqi_tongzhi.pdf"  # 7 scanned pages: OCR takes seconds
DOCX = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"
ARCHIVE = str(Path(sys.executable).parent / "archive")
ROOT = Path(__file__).resolve().parents[1]


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"等待超时：{what}"
        time.sleep(0.1)


def job_row(app: Flask, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def test_a_docx_upload_is_read_in_the_request(world: World) -> None:
    teacher = world.user("t1")
    res = teacher.upload(corpus(DOCX), kind="reflection", title="教学总结")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["state"] == "ready" and body["job_id"] is None and body["char_count"] > 0
    assert "Link" not in res.headers
    with world.app.app_context():
        assert db.session.scalar(select(Job.id)) is None  # nothing queued


@pytest.mark.slow
def test_a_scan_answers_at_once_and_its_text_comes_from_a_job(world: World, invariant) -> None:
    teacher, other = world.user("t1"), world.user("t2")
    admin = world.user("a1", role="admin")
    data = corpus(SCAN).read_bytes()
    started = time.monotonic()
    res = teacher.upload(corpus(SCAN), kind="lesson_design", title="扫描的教学设计")
    assert time.monotonic() - started < 4.0  # no OCR in the request (7 pages take far longer)
    assert res.status_code == 202, res.get_json()
    item = res.get_json()
    invariant.accepted_upload(world.app, item["id"], data)
    assert item["state"] == "processing" and item["state_name"] == "正在识别文字…"
    assert item["decision"] is None and item["char_count"] == 0
    link = res.headers["Link"]
    assert link == f'</api/v1/jobs/{item["job_id"]}>; rel="job"'
    job = teacher.get(f"/api/v1/jobs/{item['job_id']}").get_json()
    assert job["state"] == "queued" and job["kind"] == "extract" and job["item_id"] == item["id"]
    assert job["progress"] == {"done": 0, "total": 0, "current": ""}
    assert other.get(f"/api/v1/jobs/{item['job_id']}").status_code == 404  # not theirs
    assert admin.get(f"/api/v1/jobs/{item['job_id']}").status_code == 200  # the school's admin
    assert teacher.get(f"/api/v1/items/{item['id']}").get_json()["state"] == "processing"

    assert drain(world.app) == 1  # the worker's loop, in this thread
    job = teacher.get(f"/api/v1/jobs/{item['job_id']}").get_json()
    assert job["state"] == "done", job
    assert job["progress"]["done"] == job["progress"]["total"] == 7
    assert job["result"]["char_count"] > 100 and job["result"]["from_ocr"] is True
    done = teacher.get(f"/api/v1/items/{item['id']}").get_json()
    assert done["state"] == "ready" and done["char_count"] == job["result"]["char_count"]
    assert done["count_from_ocr"] is True and done["decision"]["code"] == "needs_review"
    hits = teacher.get("/api/v1/search?q=中期检查").get_json()["items"]
    assert [h["id"] for h in hits] == [item["id"]]  # the index follows the job's commit


@pytest.mark.slow
def test_a_failed_job_is_clear_and_an_admin_retries_it(world: World, invariant) -> None:
    teacher, admin = world.user("t1"), world.user("a1", role="admin")
    res = teacher.upload(corpus(SCAN), kind="reflection", title="扫描件")
    item = res.get_json()
    invariant.accepted_upload(world.app, item["id"], corpus(SCAN).read_bytes())
    with world.app.app_context():
        key = db.session.scalar(select(ItemVersion.object_key).where(ItemVersion.item_id == item["id"]))
        assert key is not None
        archive.store.delete(key)  # the object store lost the original meanwhile
    drain(world.app)
    job = admin.get(f"/api/v1/jobs/{item['job_id']}").get_json()
    assert job["state"] == "failed" and "重试" in job["error"]
    failed = teacher.get(f"/api/v1/items/{item['id']}").get_json()
    assert failed["state"] == "failed" and failed["state_error"] == job["error"]
    assert teacher.post(f"/api/v1/jobs/{item['job_id']}/retry").status_code == 403
    with world.app.app_context():  # the original is put back (e.g. restored from a backup)
        archive.store.put_file(key, corpus(SCAN), content_type="application/pdf",
                               sha256_hex=failed["sha256"])
    res = admin.post(f"/api/v1/jobs/{item['job_id']}/retry")
    assert res.status_code == 202 and res.get_json()["state"] == "queued"
    assert teacher.get(f"/api/v1/items/{item['id']}").get_json()["state"] == "processing"
    assert admin.post(f"/api/v1/jobs/{item['job_id']}/retry").status_code == 409
    drain(world.app)
    assert teacher.get(f"/api/v1/items/{item['id']}").get_json()["state"] == "ready"
    assert admin.get(f"/api/v1/jobs/{item['job_id']}").get_json()["state"] == "done"


@pytest.mark.slow
def test_a_worker_killed_midway_on_redis_leaves_no_job_running(tmp_path: Path,
                                                                s3_server: S3Settings) -> None:
    with redis_server(tmp_path / "redis") as url:
        app = make_app(tmp_path, s3_server, REDIS_URL=url)
        world = World(app)
        teacher = world.user("t1")
        item = teacher.upload(corpus(SCAN), kind="reflection", title="扫描件").get_json()
        assert redis.Redis.from_url(url).llen("huey.redis.archivejobs") == 1  # in Redis, not SQLite
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVE_INSTANCE": app.instance_path,
               "ARCHIVE_REDIS_URL": url, "ARCHIVE_S3_ENDPOINT": s3_server.endpoint,
               "ARCHIVE_S3_ACCESS_KEY": s3_server.access_key,
               "ARCHIVE_S3_SECRET_KEY": s3_server.secret_key, "ARCHIVE_S3_BUCKET": app.config["S3_BUCKET"]}

        def worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen([ARCHIVE, "worker"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)

        first = worker()
        try:
            wait_for(lambda: job_row(app, item["job_id"]).progress_done >= 1, 120, "OCR to start")
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # the worker and its OCR tools, mid-job
            first.wait(10)
        killed = job_row(app, item["job_id"])
        assert killed.state == "running" and killed.progress_done < 7
        second = worker()
        try:
            wait_for(lambda: job_row(app, item["job_id"]).state == "done", 180, "the job to finish")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(60) == 0
        job = job_row(app, item["job_id"])
        assert job.attempts == 2 and job.error is None and job.progress_done == 7
        with app.app_context():
            version = db.session.scalar(select(ItemVersion).join(
                Item, Item.current_version_id == ItemVersion.id).where(Item.id == item["id"]))
            assert version is not None and version.state == "ready" and version.char_count > 100
