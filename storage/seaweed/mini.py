"""A private SeaweedFS (``weed mini``) on loopback, for the embedded default run and tests.

Safe settings (docs/engineering-notes §3): loopback only, no WebDAV, no admin UI, no
telemetry, every port freshly chosen, S3 credentials required, fsync on for the bucket, JWT
keys on filer and volume data and mTLS on every gRPC port (see ``security``). The data folder
and everything weed is told about it (ports, pid, keys) are private to the service's user.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from storage.base import S3Settings, StorageError
from storage.s3 import S3ObjectStore
from storage.seaweed import topology
from storage.seaweed.ports import HOST, PORT_FLAGS, pick_ports, reusable
from storage.seaweed.process import find_weed, live_unix_socket_paths, parent_death_hook, pid_runs, terminate
from storage.seaweed.security import load_or_create_credentials, prepare_security, write_private

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
_DROPPED_ENV = ("S3_BUCKET", "S3_TABLE_BUCKET", "S3_EXTERNAL_URL")  # weed reads these
_PORT_TAKEN_SIGNS = ("address already in use", "port allocation failed")
_MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes


class _PortsTaken(Exception):
    """weed exited because one of its ports was taken meanwhile."""


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
        self.forked_by_supervisor = False  # then the watching thread lives as long as weed

    # -- public -----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """Process id of the running weed, or None."""
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The exit status of a weed that was started and has exited since; else None."""
        return self._proc.poll() if self._proc is not None else None

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
        volumes = topology.local_volumes(self.data_dir / "data")
        try:
            self._launch_until_ready(access_key, secret_key, deadline)
            self._wait_for_volumes(volumes, deadline)
            self._configure_fsync(deadline)
        except BaseException:
            self.stop()
            raise
        write_private(self.data_dir / "ports.json", json.dumps(self.ports, indent=1).encode())
        self.start_seconds = time.monotonic() - began
        self.settings = S3Settings(f"http://{HOST}:{self.ports['s3.port']}", access_key, secret_key, self.bucket)
        return self.settings

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            try:
                terminate(proc, timeout)
            finally:
                (self.data_dir / "weed.pid").unlink(missing_ok=True)
            self._remove_sockets()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.settings = None

    def attach(self) -> S3Settings | None:
        """Settings of a weed another process runs on this data folder, or None.

        Lets admin commands talk to the store of a running ``archive serve`` instead of
        refusing to start a second weed on the same data.
        """
        pid = self._running_pid()
        if pid is None:
            return None
        try:
            ports = json.loads((self.data_dir / "ports.json").read_text(encoding="utf-8"))
            access_key, secret_key = load_or_create_credentials(self.data_dir / "credentials.json")
            return S3Settings(f"http://{HOST}:{int(ports['s3.port'])}", access_key, secret_key, self.bucket)
        except (OSError, ValueError, KeyError) as exc:
            raise StorageError(f"SeaweedFS（pid {pid}）正在运行，但读不到它的端口文件：{exc}") from exc

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
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        for name in ("data", "run"):
            (self.data_dir / name).mkdir(mode=0o700, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._refuse_if_in_use()

    def _running_pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "weed.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_runs(pid, "weed", str(self.data_dir / "data")) else None

    def _refuse_if_in_use(self) -> None:
        """Never run two weed processes on one data directory."""
        pid = self._running_pid()
        if pid is not None:
            raise StorageError(f"数据目录 {self.data_dir} 正被另一个 SeaweedFS 进程（pid {pid}）使用；请先停止它再启动")
        (self.data_dir / "weed.pid").unlink(missing_ok=True)

    def _choose_ports(self, reuse: bool) -> dict[str, int]:
        """Reuse last run's ports when all are free (the master keeps state per port)."""
        if reuse:
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads((self.data_dir / "ports.json").read_text(encoding="utf-8"))
                if reusable(saved):
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
        security_env, _ = prepare_security(self.data_dir)
        env.update(security_env, AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
        cmd = self.command()
        self._log = self.log_path.open("ab")
        self.log_path.chmod(0o600)
        self._log_offset = self._log.tell()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log.write(f"\n=== {stamp} {' '.join(cmd)}\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.data_dir,  # weed reads security.toml from here
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=parent_death_hook(any_thread=self.forked_by_supervisor),
        )
        atexit.register(self.stop)
        write_private(self.data_dir / "weed.pid", f"{self._proc.pid}\n".encode())

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

    def _wait_for_volumes(self, volumes: tuple[set[int], bool], deadline: float) -> None:
        """Wait until the master knows a volume server and every volume found on disk.

        S3 answers before that: reads then fail with 500 ("volume N not found"), and after
        some restarts the volume server registers only ~4.5 s later.
        """
        expected, erasure_coded = volumes
        missing = expected
        master = f"http://{HOST}:{self.ports['master.port']}"
        while time.monotonic() < deadline:
            self._raise_if_exited()
            view = topology.master_view(master)
            missing = expected - view.volume_ids
            if view.nodes and not missing and (view.ec_shards > 0 or not erasure_coded):
                return
            time.sleep(0.1)
        raise StorageError(
            f"SeaweedFS 的卷服务器没有在限定时间内登记全部卷（缺少 {sorted(missing)}）：\n" + self.log_excerpt()
        )

    def _raise_if_exited(self) -> None:
        code = self.exit_code
        if code is None:
            return
        excerpt = self.log_excerpt()
        if any(sign in excerpt.lower() for sign in _PORT_TAKEN_SIGNS):
            raise _PortsTaken(excerpt)
        raise StorageError(f"SeaweedFS 启动后立即退出（退出码 {code}），日志摘录：\n{excerpt}")

    def _configure_fsync(self, deadline: float) -> None:
        """``fs.configure`` the bucket path with fsync=true via ``weed shell``."""
        p = self.ports
        output = topology.configure_fsync(
            master=f"{HOST}:{p['master.port']}.{p['master.port.grpc']}",
            filer=f"{HOST}:{p['filer.port']}.{p['filer.port.grpc']}",
            prefix=f"/buckets/{self.bucket}",
            cwd=self.data_dir,
            timeout=max(5.0, deadline - time.monotonic()),
        )
        self._append_log(output)

    def _append_log(self, text: str) -> None:
        if self._log is not None:
            self._log.write(text.encode("utf-8", "replace"))
            self._log.flush()

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
        live = live_unix_socket_paths()
        for path in paths:
            if live is not None and str(path) not in live and path.is_socket():
                path.unlink(missing_ok=True)
