"""S3ObjectStore and ManagedSeaweedFS against a real SeaweedFS (no mocks).

What every ObjectStore must do is in test_storage_contract.py; this file covers the S3 and
SeaweedFS specifics: checksums on the wire, multipart, lock-down, process lifecycle.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from minio.error import S3Error

from storage import (
    ManagedSeaweedFS,
    ObjectStore,
    S3ObjectStore,
    S3Settings,
    StorageError,
    find_weed,
    object_key_for,
)
from storage.s3 import parse_endpoint
from storage.seaweed import ADMIN_GRPC_OFFSET, PORT_FLAGS, pick_ports

MIB = 1024 * 1024


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedSeaweedFS]:
    server = ManagedSeaweedFS(tmp_path_factory.mktemp("storage-weed"), bucket="archive")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def settings(seaweed: ManagedSeaweedFS) -> S3Settings:
    assert seaweed.settings is not None
    return seaweed.settings


@pytest.fixture()
def store(settings: S3Settings) -> S3ObjectStore:
    return S3ObjectStore.from_settings(settings)


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def gone(pid: int) -> bool:
    """True once the process no longer exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def listening_addresses(pid: int) -> set[str]:
    """IPv4/IPv6 addresses the process listens on (from /proc, no external tools)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                found.add(fields[1].split(":")[0])
    return found


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- pure helpers -------------------------------------------------------------------------


def test_object_key_is_content_addressed() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert object_key_for(digest) == f"originals/{digest[:2]}/{digest[2:4]}/{digest}"
    upper = object_key_for(digest.upper(), prefix="/v2/")
    assert upper == f"v2/{digest[:2]}/{digest[2:4]}/{digest}"
    with pytest.raises(ValueError):
        object_key_for("abc")


def test_parse_endpoint() -> None:
    assert parse_endpoint("http://127.0.0.1:8333") == ("127.0.0.1:8333", False)
    assert parse_endpoint("https://s3.example.org/") == ("s3.example.org", True)
    assert parse_endpoint("s3.example.org:9000") == ("s3.example.org:9000", True)
    assert parse_endpoint("127.0.0.1:8333", secure=False) == ("127.0.0.1:8333", False)
    for bad in ("ftp://h:1", "http://h:1/path", "http://u:p@h:1"):
        with pytest.raises(ValueError):
            parse_endpoint(bad)
    with pytest.raises(ValueError):
        parse_endpoint("http://h:1", secure=True)


def test_store_satisfies_protocol(store: S3ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert "secret" not in repr(store) and store.endpoint.startswith("http://127.0.0.1:")


# -- object operations --------------------------------------------------------------------




def test_open_released_when_closed_early(store: S3ObjectStore, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "f", os.urandom(3 * MIB))
    key = object_key_for(digest)
    store.put_file(key, path, content_type="application/pdf", sha256_hex=digest)
    for _ in range(15):  # more than the pool size: leaked connections would block
        stream = store.open(key)
        assert next(stream)
        stream.close()
        stream.close()
        assert list(stream) == []
    with store.open(key) as stream:
        assert next(stream)
    assert store.read_bytes(key) == path.read_bytes()






def test_bad_content_md5_is_rejected_by_server(store: S3ObjectStore) -> None:
    data = b"bytes that were damaged on the way"
    key = "checks/bad-md5"
    bad_md5 = base64.b64encode(hashlib.md5(b"what the client meant").digest()).decode()
    with pytest.raises(StorageError) as info:
        store._put_single(
            key, data, {"Content-Type": "text/plain"}, bad_md5, hashlib.md5(data).hexdigest()
        )
    assert info.value.code in ("BadDigest", "InvalidDigest")
    assert store.stat(key) is None


def test_multipart_upload_roundtrip(settings: S3Settings, tmp_path: Path) -> None:
    store = S3ObjectStore.from_settings(settings)
    store.part_size = 5 * MIB
    data = os.urandom(11 * MIB + 3)
    path, digest = write(tmp_path / "big.pdf", data)
    key = object_key_for(digest)
    store.put_file(key, path, content_type="application/pdf", sha256_hex=digest)
    info = store.stat(key)
    assert info is not None and info.size == len(data) and info.sha256 == digest
    assert info.etag is not None and info.etag.endswith("-3")
    assert hashlib.sha256(b"".join(store.open(key))).hexdigest() == digest
    assert store.list_incomplete_uploads(key) == []


def test_multipart_with_wrong_sha256_is_aborted(settings: S3Settings, tmp_path: Path) -> None:
    store = S3ObjectStore.from_settings(settings)
    store.part_size = 5 * MIB
    path, _ = write(tmp_path / "big.bin", os.urandom(6 * MIB))
    wrong = hashlib.sha256(b"not this file").hexdigest()
    key = object_key_for(wrong)
    with pytest.raises(StorageError, match="SHA-256"):
        store.put_file(key, path, content_type="application/pdf", sha256_hex=wrong)
    assert store.stat(key) is None
    assert store.list_incomplete_uploads(key) == []










def test_incomplete_upload_listing_follows_pages(settings: S3Settings) -> None:
    store = S3ObjectStore.from_settings(settings)
    store.uploads_page_size = 2
    client = store._client
    created = {
        (key, client._create_multipart_upload(store.bucket, key, {}))
        for key in ["pages/a", "pages/b", "pages/b", "pages/c", "pages/d"]
    }
    other = ("elsewhere/x", client._create_multipart_upload(store.bucket, "elsewhere/x", {}))
    try:
        listed = store.list_incomplete_uploads("pages/")
        assert sorted(listed) == sorted(created)
    finally:
        for key, upload_id in [*created, other]:
            store.abort_incomplete_upload(key, upload_id)
    assert store.list_incomplete_uploads("pages/") == []


def test_bad_part_md5_is_rejected_by_server(store: S3ObjectStore) -> None:
    client = store._client
    upload_id = client._create_multipart_upload(store.bucket, "parts/bad", {})
    bad_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(S3Error) as info:
        client._upload_part(
            store.bucket, "parts/bad", b"a" * 100, {"Content-MD5": bad_md5}, upload_id, 1
        )
    assert info.value.code == "BadDigest"
    store.abort_incomplete_upload("parts/bad", upload_id)


# -- security settings --------------------------------------------------------------------


def test_anonymous_requests_get_403(
    store: S3ObjectStore, settings: S3Settings, tmp_path: Path
) -> None:
    path, digest = write(tmp_path / "f", b"private")
    key = object_key_for(digest)
    store.put_file(key, path, content_type="text/plain", sha256_hex=digest)
    for method, url in [
        ("GET", f"{settings.endpoint}/{settings.bucket}/{key}"),
        ("GET", f"{settings.endpoint}/{settings.bucket}"),
        ("GET", f"{settings.endpoint}/"),
        ("PUT", f"{settings.endpoint}/{settings.bucket}/anon"),
    ]:
        request = urllib.request.Request(url, method=method, data=b"x" if method == "PUT" else None)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 403, (method, url)
    assert store.stat("anon") is None


def test_wrong_credentials_are_refused(settings: S3Settings) -> None:
    wrong_secret = S3ObjectStore(
        settings.endpoint, settings.access_key, "wrong-secret", settings.bucket
    )
    with pytest.raises(StorageError) as info:
        wrong_secret.stat("anything")
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.__cause__ is not None

    wrong_key = S3ObjectStore(settings.endpoint, "NOSUCHKEY", settings.secret_key, settings.bucket)
    with pytest.raises(StorageError) as info:
        list(wrong_key.list_objects())
    assert info.value.code == "InvalidAccessKeyId"


def test_credentials_and_secrets_are_private(seaweed: ManagedSeaweedFS, settings: S3Settings) -> None:
    path = seaweed.data_dir / "credentials.json"
    assert stat.S_IMODE(seaweed.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((seaweed.data_dir / "secrets").stat().st_mode) == 0o700
    private = [path, seaweed.data_dir / "ports.json", seaweed.data_dir / "weed.pid", seaweed.data_dir / "weed.log",
               seaweed.data_dir / "security.toml", *(seaweed.data_dir / "secrets").iterdir()]
    assert len(private) == 9
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in private} == {p.name: 0o600 for p in private}
    saved = json.loads(path.read_text())
    assert (saved["access_key"], saved["secret_key"]) == (settings.access_key, settings.secret_key)
    assert "***" in repr(settings) and settings.secret_key not in repr(settings)


def test_safe_flags_and_loopback_only(seaweed: ManagedSeaweedFS) -> None:
    cmd = seaweed.command()
    for flag in (
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ):
        assert flag in cmd
    ports = seaweed.ports
    assert set(ports) == set(PORT_FLAGS) and len(set(ports.values())) == len(PORT_FLAGS)
    assert ports["admin.port.grpc"] == ports["admin.port"] + ADMIN_GRPC_OFFSET
    for default in (8333, 8888, 9333, 7333, 8181, 9101, 23646):  # weed's fixed defaults
        assert default not in ports.values()
    assert seaweed.pid is not None
    assert listening_addresses(seaweed.pid) == {"0100007F"}  # 127.0.0.1 only


def test_fsync_is_on_for_the_bucket(seaweed: ManagedSeaweedFS) -> None:
    p = seaweed.ports
    shell = subprocess.run(
        [
            str(find_weed()),
            "shell",
            f"-master=127.0.0.1:{p['master.port']}.{p['master.port.grpc']}",
            f"-filer=127.0.0.1:{p['filer.port']}.{p['filer.port.grpc']}",
        ],
        input=b"fs.configure\n",
        capture_output=True,
        cwd=seaweed.data_dir,  # security.toml: the gRPC ports want the instance's certificate
        timeout=30,
        check=True,
    )
    text = shell.stdout.decode()
    conf = json.loads(text[text.index("{") :])
    assert {"locationPrefix": f"/buckets/{seaweed.bucket}", "fsync": True}.items() <= next(
        loc for loc in conf["locations"] if loc["locationPrefix"] == f"/buckets/{seaweed.bucket}"
    ).items()


def test_non_empty_bucket_cannot_be_deleted(store: S3ObjectStore, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "keep", b"keep me")
    store.put_file(object_key_for(digest), path, content_type="text/plain", sha256_hex=digest)
    with pytest.raises(Exception, match="BucketNotEmpty"):
        store._client.remove_bucket(store.bucket)
    assert store.read_bytes(object_key_for(digest)) == b"keep me"


# -- lifecycle ----------------------------------------------------------------------------


@pytest.mark.slow  # starts its own SeaweedFS
def test_two_instances_side_by_side(
    seaweed: ManagedSeaweedFS, settings: S3Settings, tmp_path: Path
) -> None:
    with ManagedSeaweedFS(tmp_path / "second", bucket="archive") as other:
        assert other.settings is not None
        assert not set(other.ports.values()) & set(seaweed.ports.values())
        assert other.settings.secret_key != settings.secret_key
        first, second = (
            S3ObjectStore.from_settings(settings),
            S3ObjectStore.from_settings(other.settings),
        )
        path, digest = write(tmp_path / "f", b"only in the second")
        second.put_file("side/by/side", path, content_type="text/plain", sha256_hex=digest)
        assert second.read_bytes("side/by/side") == b"only in the second"
        assert first.stat("side/by/side") is None
        assert "Error while dialing" not in other.log_tail(200)
    assert "Error while dialing" not in seaweed.log_tail(200)


def test_second_process_on_same_data_dir_is_refused(seaweed: ManagedSeaweedFS) -> None:
    with pytest.raises(StorageError, match="正被另一个"):
        ManagedSeaweedFS(seaweed.data_dir).start()
    assert seaweed.running


@pytest.mark.slow  # starts its own SeaweedFS
def test_restart_keeps_objects_and_credentials(tmp_path: Path) -> None:
    server = ManagedSeaweedFS(tmp_path / "weed")
    first = server.start()
    path, digest = write(tmp_path / "f", "重启后仍在".encode())
    key = object_key_for(digest)
    S3ObjectStore.from_settings(first).put_file(
        key, path, content_type="text/plain", sha256_hex=digest
    )
    old_ports = dict(server.ports)
    server.stop()

    second = server.start()
    try:
        assert (second.access_key, second.secret_key) == (first.access_key, first.secret_key)
        assert server.ports == old_ports  # free again, so reused
        assert S3ObjectStore.from_settings(second).read_bytes(key) == "重启后仍在".encode()
    finally:
        server.stop()

    with socket.socket() as blocker:  # a saved port is taken: fresh ports, same data
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", old_ports["s3.port"]))
        blocker.listen()
        with server:
            assert server.settings is not None and server.ports != old_ports
            store = S3ObjectStore.from_settings(server.settings)
            assert store.stat(key) is not None and store.read_bytes(key) == path.read_bytes()


@pytest.mark.slow  # starts its own SeaweedFS
def test_stop_leaves_no_process_and_operations_fail_fast(tmp_path: Path) -> None:
    server = ManagedSeaweedFS(tmp_path / "weed")
    settings = server.start()
    assert server.start_seconds is not None and server.start_seconds < 30
    pid, ports = server.pid, dict(server.ports)
    assert pid is not None
    store = S3ObjectStore.from_settings(settings)
    path, digest = write(tmp_path / "f", b"data")
    store.put_file("k", path, content_type="text/plain", sha256_hex=digest)
    server.stop()
    server.stop()  # idempotent

    assert gone(pid) and not server.running and server.pid is None
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    assert not any(port_open(p) for p in ports.values())
    assert not (tmp_path / "weed" / "weed.pid").exists()
    tmp = Path(os.environ.get("TMPDIR") or "/tmp")
    grpc_sockets = [
        tmp / f"seaweedfs-{name}-grpc-{ports[f'{name}.port.grpc']}.sock"
        for name in ("master", "volume", "filer", "s3", "admin")
    ]
    assert not any(path.exists() for path in grpc_sockets)
    assert list((tmp_path / "weed" / "run").iterdir()) == []

    for operation in (
        lambda: store.stat("k"),
        lambda: store.read_bytes("k"),
        lambda: list(store.list_objects()),
        store.ensure_bucket,
        lambda: store.put_file("k2", path, content_type="text/plain", sha256_hex=digest),
    ):
        began = time.monotonic()
        with pytest.raises(StorageError, match="无法连接") as info:
            operation()
        assert time.monotonic() - began < 10
        assert info.value.__cause__ is not None


def wait_gone(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return gone(pid)


@pytest.mark.slow  # starts its own SeaweedFS
def test_crashed_parent_does_not_leave_weed_running(tmp_path: Path) -> None:
    path, digest = write(tmp_path / "f", b"written before the crash")
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from pathlib import Path
        from storage import ManagedSeaweedFS, S3ObjectStore
        server = ManagedSeaweedFS(Path({str(tmp_path / "weed")!r}))
        store = S3ObjectStore.from_settings(server.start())
        store.put_file("k", Path({str(path)!r}), content_type="text/plain",
                       sha256_hex={digest!r})
        print(server.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert child.stdout.strip(), child.stderr
    assert wait_gone(int(child.stdout.split()[0]))

    with ManagedSeaweedFS(tmp_path / "weed") as again:  # stale weed.pid is ignored
        assert again.settings is not None
        assert S3ObjectStore.from_settings(again.settings).read_bytes("k") == path.read_bytes()


@pytest.mark.slow  # starts its own SeaweedFS
def test_acknowledged_object_survives_kill_9(tmp_path: Path) -> None:
    server = ManagedSeaweedFS(tmp_path / "weed")
    store = S3ObjectStore.from_settings(server.start())
    path, digest = write(tmp_path / "f", os.urandom(MIB))
    store.put_file("k", path, content_type="application/pdf", sha256_hex=digest)
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    server.stop()
    with server:
        assert server.settings is not None
        again = S3ObjectStore.from_settings(server.settings)
        info = again.stat("k")
        assert info is not None and info.sha256 == digest
        assert again.read_bytes("k") == path.read_bytes()


@pytest.mark.slow  # starts its own SeaweedFS
def test_port_taken_meanwhile_is_retried_with_fresh_ports(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]

        class Racy(ManagedSeaweedFS):
            attempts = 0

            def _choose_ports(self, reuse: bool) -> dict[str, int]:
                ports = pick_ports()
                if Racy.attempts == 0:  # as if someone grabbed the port after we chose it
                    ports["filer.port"] = taken
                Racy.attempts += 1
                return ports

        with Racy(tmp_path / "weed") as server:
            assert Racy.attempts == 2 and server.ports["filer.port"] != taken
            assert server.settings is not None
            S3ObjectStore.from_settings(server.settings).ensure_bucket()


@pytest.mark.slow  # starts its own SeaweedFS
def test_early_exit_reports_the_log(tmp_path: Path) -> None:
    class Broken(ManagedSeaweedFS):
        def command(self, ports: dict[str, int] | None = None) -> list[str]:
            return [*super().command(ports), "-no.such.flag=1"]

    server = Broken(tmp_path / "weed")
    began = time.monotonic()
    with pytest.raises(StorageError, match="立即退出") as info:
        server.start(timeout=20)
    assert "flag provided but not defined: -no.such.flag" in str(info.value)
    assert time.monotonic() - began < 10
    assert not server.running


# -- lock-down of the managed SeaweedFS (issue 8, point 1) -----------------------------------


def http_status(url: str, method: str = "GET", data: bytes | None = None) -> int:
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def tls_handshake(port: int, ca: Path, cert: tuple[Path, Path] | None) -> bool:
    """True if a gRPC port completes TLS and keeps the connection open with this client cert."""
    context = ssl.create_default_context(cafile=str(ca))
    context.check_hostname = False
    if cert:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    context.set_alpn_protocols(["h2"])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000"))
                return len(tls.recv(64)) > 0  # the server's SETTINGS frame
    except (ssl.SSLError, ConnectionError, OSError):
        return False


def test_only_s3_with_credentials_reaches_the_objects(
    seaweed: ManagedSeaweedFS, store: S3ObjectStore, tmp_path: Path
) -> None:
    path, digest = write(tmp_path / "f", "一份原件".encode())
    key = object_key_for(digest)
    store.put_file(key, path, content_type="text/plain", sha256_hex=digest)
    assert store.read_bytes(key) == "一份原件".encode()

    p = seaweed.ports
    filer = f"http://127.0.0.1:{p['filer.port']}"
    volume = f"http://127.0.0.1:{p['volume.port']}"
    master = f"http://127.0.0.1:{p['master.port']}"
    assert http_status(f"{filer}/buckets/{store.bucket}/{key}") == 401
    assert http_status(f"{filer}/buckets/{store.bucket}/") == 401  # listing
    assert http_status(f"{filer}/buckets/{store.bucket}/{key}", "DELETE") == 401
    assert http_status(f"{filer}/buckets/{store.bucket}/evil", "PUT", b"x") == 401
    with urllib.request.urlopen(f"{master}/dir/assign", timeout=5) as response:
        assigned = json.load(response)
    assert "auth" not in assigned  # the master hands out no write token
    assert http_status(f"http://{assigned['url']}/{assigned['fid']}", "POST", b"x") == 401
    assert http_status(f"{volume}/1,01") == 401
    assert store.read_bytes(key) == "一份原件".encode()

    # every gRPC port wants a client certificate signed by this instance's CA
    secrets_dir = seaweed.data_dir / "secrets"
    for name in ("master", "volume", "filer", "s3"):
        grpc_port = p[f"{name}.port.grpc"]
        assert not tls_handshake(grpc_port, secrets_dir / "ca.pem", None), name
        assert tls_handshake(grpc_port, secrets_dir / "ca.pem", (secrets_dir / "node.pem", secrets_dir / "node.key"))


def test_status_pages_weed_mini_cannot_close_show_no_names(
    seaweed: ManagedSeaweedFS, store: S3ObjectStore, tmp_path: Path
) -> None:
    """Known limit (storage/seaweed/security.py): master/volume status pages stay readable."""
    path, digest = write(tmp_path / "f", b"secret name test")
    key = f"originals/教师甲的反思-{digest[:8]}.docx"
    store.put_file(key, path, content_type="text/plain", sha256_hex=digest)
    p = seaweed.ports
    for url in (f"http://127.0.0.1:{p['master.port']}/dir/status",
                f"http://127.0.0.1:{p['master.port']}/vol/status",
                f"http://127.0.0.1:{p['volume.port']}/status"):
        with urllib.request.urlopen(url, timeout=5) as response:
            page = response.read().decode()
        assert digest[:8] not in page and "教师甲" not in page and "originals" not in page


class _Corrupting(urllib3.PoolManager):
    """Flips one bit of every PUT body after it was signed: damage in flight."""

    def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        body = kw.get("body")
        if method == "PUT" and body:
            kw["body"] = bytes([body[0] ^ 1]) + bytes(body[1:])
        return super().urlopen(method, url, redirect, **kw)


@pytest.mark.parametrize("size", [1000, 11 * MIB])
def test_damaged_body_is_refused(settings: S3Settings, tmp_path: Path, size: int) -> None:
    """Why s3.py keeps minio's private calls: the public put_object stores damaged bytes."""
    data = os.urandom(size)
    path, digest = write(tmp_path / "f", data)
    store = S3ObjectStore.from_settings(settings)
    store.part_size = 5 * MIB
    store._client._http = _Corrupting(retries=False)
    key = object_key_for(digest)
    with pytest.raises(StorageError) as info:
        store.put_file(key, path, content_type="application/pdf", sha256_hex=digest)
    assert info.value.code in ("BadDigest", "InvalidDigest")
    assert store.stat(key) is None and store.list_incomplete_uploads(key) == []

    store._client.put_object(settings.bucket, "public-call", io.BytesIO(data), size, part_size=5 * MIB)
    stored = S3ObjectStore.from_settings(settings).read_bytes("public-call")
    assert len(stored) == size and stored != data  # damaged, yet accepted
