"""One contract for every ObjectStore: the in-memory store, a real SeaweedFS (``weed mini``) and a
SeaweedFS cluster (separate master, 2 volume servers, filer, S3 gateway) pass the same tests.

A service-level test that runs on ``InMemoryObjectStore`` relies on exactly what is asserted here.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import (
    InMemoryObjectStore,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    S3Settings,
    StorageError,
    object_key_for,
)
from storage.seaweed.cluster import SeaweedCluster

MIB = 1024 * 1024
Factory = Callable[[str], ObjectStore]


def _memory_factory() -> Factory:
    return InMemoryObjectStore


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Settings]:
    """1 master, 2 volume servers (replication 001), filer, S3 gateway: issue 13, point 5."""
    with SeaweedCluster(tmp_path_factory.mktemp("cluster")) as started:
        assert started.settings is not None
        yield started.settings


@pytest.fixture(params=["memory", "seaweedfs", pytest.param("cluster", marks=pytest.mark.slow)])
def make_store(request: pytest.FixtureRequest) -> Iterator[Factory]:
    """Builds a store on a named bucket (the bucket is not created)."""
    if request.param == "memory":
        yield _memory_factory()
        return
    settings: S3Settings = request.getfixturevalue("s3_server" if request.param == "seaweedfs" else "cluster")
    yield lambda bucket: S3ObjectStore(settings.endpoint, settings.access_key, settings.secret_key, bucket)


@pytest.fixture()
def store(make_store: Factory) -> ObjectStore:
    made = make_store(f"c-{uuid.uuid4().hex[:12]}")
    made.ensure_bucket()
    return made


def begin_upload(store: ObjectStore, key: str) -> str:
    """Leave an unfinished multipart upload behind, as a crashed upload does."""
    if isinstance(store, InMemoryObjectStore):
        return store.begin_upload(key)
    assert isinstance(store, S3ObjectStore)
    client = store._client  # the SDK has no public call for an unfinished upload
    upload_id = client._create_multipart_upload(store.bucket, key, {})
    client._upload_part(store.bucket, key, b"x" * (5 * MIB), None, upload_id, 1)
    return upload_id


def put(store: ObjectStore, tmp_path: Path, key: str, data: bytes, content_type: str = "text/plain") -> str:
    path = tmp_path / uuid.uuid4().hex
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    store.put_file(key, path, content_type=content_type, sha256_hex=digest)
    return digest


def test_satisfies_the_protocol(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)


def test_roundtrip_with_chinese_key(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(3 * MIB + 17)
    key = "资料/第一中学/教学反思 2024（定稿）.docx"
    digest = put(store, tmp_path, key, data, "application/msword")

    info = store.stat(key)
    assert info is not None
    assert (info.key, info.size, info.content_type, info.sha256) == (key, len(data), "application/msword", digest)
    assert info.etag == hashlib.md5(data).hexdigest() and info.last_modified is not None
    assert store.read_bytes(key) == data
    chunks = list(store.open(key))
    assert len(chunks) > 1 and b"".join(chunks) == data


def test_overwrite_replaces_the_object(store: ObjectStore, tmp_path: Path) -> None:
    put(store, tmp_path, "k", b"first")
    digest = put(store, tmp_path, "k", b"second version")
    info = store.stat("k")
    assert info is not None and info.sha256 == digest and info.size == len(b"second version")
    assert store.read_bytes("k") == b"second version"


def test_missing_object(store: ObjectStore) -> None:
    assert store.stat("nope/absent") is None
    with pytest.raises(ObjectNotFound):
        store.open("nope/absent")
    with pytest.raises(ObjectNotFound) as info:
        store.read_bytes("nope/absent")
    assert isinstance(info.value, StorageError)


def test_wrong_sha256_is_rejected_and_nothing_stored(store: ObjectStore, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"real content")
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(StorageError, match="SHA-256"):
        store.put_file(object_key_for(wrong), path, content_type="text/plain", sha256_hex=wrong)
    assert store.stat(object_key_for(wrong)) is None
    assert list(store.list_objects()) == []


def test_delete_is_idempotent(store: ObjectStore, tmp_path: Path) -> None:
    put(store, tmp_path, "gone/soon", b"x")
    put(store, tmp_path, "gone/stays", b"y")
    store.delete("gone/soon")
    store.delete("gone/soon")
    assert store.stat("gone/soon") is None
    assert [o.key for o in store.list_objects("gone/")] == ["gone/stays"]


def test_list_objects_by_prefix_in_key_order(store: ObjectStore, tmp_path: Path) -> None:
    keys = [f"listing/{i}/文件{i}.txt" for i in (2, 0, 1)]
    for i, key in enumerate(keys):
        put(store, tmp_path, key, f"内容 {i}".encode())
    listed = list(store.list_objects("listing/"))
    assert [o.key for o in listed] == sorted(keys)
    assert all(isinstance(o, ObjectInfo) and o.size > 0 and o.etag for o in listed)
    assert list(store.list_objects("listing/1/")) == [listed[1]]
    assert list(store.list_objects("no-such-prefix/")) == []


def test_missing_bucket_is_an_error_not_a_missing_object(make_store: Factory) -> None:
    absent = make_store(f"absent-{uuid.uuid4().hex[:10]}")
    with pytest.raises(StorageError) as info:
        absent.stat("k")
    assert info.value.code == "NoSuchBucket" and not isinstance(info.value, ObjectNotFound)


def test_ensure_bucket_is_idempotent(make_store: Factory) -> None:
    fresh = make_store(f"fresh-{uuid.uuid4().hex[:10]}")
    fresh.ensure_bucket()
    fresh.ensure_bucket()
    assert fresh.stat("anything") is None and list(fresh.list_objects()) == []


def test_incomplete_uploads_are_listed_and_aborted(store: ObjectStore) -> None:
    assert store.list_incomplete_uploads() == []
    upload_id = begin_upload(store, "uploads/未完成.pdf")
    assert store.list_incomplete_uploads("uploads/") == [("uploads/未完成.pdf", upload_id)]
    assert store.list_incomplete_uploads("elsewhere/") == []
    assert store.stat("uploads/未完成.pdf") is None and list(store.list_objects()) == []
    store.abort_incomplete_upload("uploads/未完成.pdf", upload_id)
    store.abort_incomplete_upload("uploads/未完成.pdf", upload_id)  # idempotent
    assert store.list_incomplete_uploads() == []
