"""Issue 8 point 11: a retried upload (same Idempotency-Key, or the same upload form sent
twice) gives back the same item; the same key with a different body is refused."""

from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import Item, User
from archive_service.services import items
from archive_service.services.idempotency import claim_for
from archive_service.services.staging import stage
from tests.conftest import Invariant, World, corpus
from tests.helpers import page_login

DOCUMENT = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


def _items(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item)) or 0


def test_same_key_same_item_and_a_different_body_is_422(app: Flask, world: World,
                                                       invariant: Invariant) -> None:
    teacher = world.user("t1")
    path = corpus(DOCUMENT)
    key = {"Idempotency-Key": "5b0c7a52-8f0e-4a0e-9a57-3f1c2b9d1e01"}
    first = teacher.upload(path, title="教学总结", headers=key)
    assert first.status_code == 201, first.get_json()
    again = teacher.upload(path, title="教学总结", headers=key)  # the client's retry
    assert again.status_code == 200, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = teacher.upload(path, title="另一个标题", headers=key)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "新的键" in other.get_json()["error"]["message"]
    other_file = teacher.upload(corpus("zh_docx_01_songdai_wenxue_jiaoan.docx"), title="教学总结",
                                headers=key)
    assert other_file.status_code == 422
    assert _items(app) == 1
    fresh = teacher.upload(path, title="教学总结", headers={"Idempotency-Key": "another"})
    assert fresh.status_code == 201 and fresh.get_json()["id"] != first.get_json()["id"]
    someone = world.user("t2").upload(path, title="教学总结", headers=key)  # keys are per user
    assert someone.status_code == 201
    for res in (first, fresh, someone):
        invariant.accepted_upload(app, res.get_json()["id"], path.read_bytes())


def test_a_retry_racing_the_first_commit_returns_its_item(app: Flask, world: World) -> None:
    """Both requests passed the replay check before either committed: the unique key makes
    the second commit fail, and it answers with the first one's item."""
    world.user("t1")
    data = corpus(DOCUMENT).read_bytes()
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == "t1"))
        ids = []
        for _ in range(2):
            staged = stage(io.BytesIO(data), "总结.docx", 50 << 20, archive.state.index_dir.parent / "tmp")
            form = items.ItemForm(kind="reflection", title="教学总结", completion_date="2025-10-08")
            items.validate_form(form)
            claim = claim_for(actor.id, "same-key", form, staged)
            ids.append(items.upload(db.transaction, archive.store, archive.settings, actor, form,
                                    staged, claim))
    assert ids[0] == ids[1]
    assert _items(app) == 1


def test_upload_form_sent_twice_makes_one_item(app: Flask, world: World) -> None:
    world.user("t1")
    client = page_login(world.app, "t1")
    page = client.get("/my/items/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="idempotency_token" value="([^"]+)"', page)
    assert token, "上传表单应带隐藏的幂等令牌"
    data = corpus(DOCUMENT).read_bytes()

    def send(title: str) -> object:
        return client.post("/my/items/new", content_type="multipart/form-data", data={
            "csrf_token": csrf, "idempotency_token": token.group(1), "kind": "reflection",
            "title": title, "completion_date": "2025-10-08",
            "file": (io.BytesIO(data), "总结.docx")})

    first, second = send("英语教学总结"), send("英语教学总结")  # a double click
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _items(app) == 1
    changed = send("改了标题")
    assert changed.status_code == 422
    assert "幂等键" in changed.get_data(as_text=True)
    assert _items(app) == 1
