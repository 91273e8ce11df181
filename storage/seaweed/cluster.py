"""A small SeaweedFS cluster on loopback: 1 master, N volume servers, a filer and the S3 gateway.

The production shape for a province (docs/scaling.md), started here for the tests: every
component is its own ``weed`` process, replication ``001`` (each object on two volume servers
of the same rack), and the same lock-down as the managed ``weed mini``: loopback only, JWT keys
on filer and volume data, mTLS on every gRPC port, S3 only with credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from storage.base import S3Settings, StorageError
from storage.s3 import S3ObjectStore
from storage.seaweed import topology
from storage.seaweed.ports import HOST, free_ports
from storage.seaweed.process import find_weed, parent_death_hook, terminate
from storage.seaweed.security import load_or_create_credentials, prepare_security, write_private


@dataclass
class Component:
    """One weed process of the cluster."""

    name: str
    args: list[str]
    port: int
    grpc: int
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """``host:port.grpc`` as weed components name each other."""
        return f"{HOST}:{self.port}.{self.grpc}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class SeaweedCluster:
    """Starts and stops the cluster; ``kill(name)`` takes one component down (fault tests)."""

    def __init__(self, root: Path, bucket: str = "archive", *, volumes: int = 2, replication: str = "001") -> None:
        self.root = Path(root).absolute()
        self.bucket = bucket
        self.replication = replication
        self.settings: S3Settings | None = None
        self._logs: list[IO[bytes]] = []
        ports = free_ports(2 * (3 + volumes))
        pairs = [(ports[i], ports[i + 1]) for i in range(0, len(ports), 2)]
        self.master = Component("master", [], *pairs[0])
        self.volumes = [Component(f"volume{n + 1}", [], *pairs[1 + n]) for n in range(volumes)]
        self.filer = Component("filer", [], *pairs[1 + volumes])
        self.s3 = Component("s3", [], *pairs[2 + volumes])

    @property
    def components(self) -> list[Component]:
        return [self.master, *self.volumes, self.filer, self.s3]

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    def _commands(self) -> None:
        bind = [f"-ip={HOST}", f"-ip.bind={HOST}"]
        master = self.master.address
        self.master.args = ["master", *bind, f"-port={self.master.port}", f"-port.grpc={self.master.grpc}",
                            f"-mdir={self._dir('master')}", f"-defaultReplication={self.replication}",
                            "-volumeSizeLimitMB=64", "-telemetry=false"]
        for volume in self.volumes:
            volume.args = ["volume", *bind, f"-port={volume.port}", f"-port.grpc={volume.grpc}",
                           f"-dir={self._dir(volume.name)}", f"-master={master}", "-max=0"]  # as the disk holds
        self.filer.args = ["filer", *bind, f"-port={self.filer.port}", f"-port.grpc={self.filer.grpc}",
                           f"-master={master}", f"-defaultStoreDir={self._dir('filer')}",
                           f"-defaultReplicaPlacement={self.replication}"]
        self.s3.args = ["s3", f"-ip.bind={HOST}", f"-port={self.s3.port}", f"-port.grpc={self.s3.grpc}",
                        f"-filer={self.filer.address}", f"-config={self.root / 's3.json'}",
                        "-port.iceberg=0", "-port.lance=0", "-allowDeleteBucketNotEmpty=false"]

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def start(self, timeout: float = 60.0) -> S3Settings:
        """Start every component in order and wait until S3 can create the bucket."""
        deadline = time.monotonic() + timeout
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        access_key, secret_key = load_or_create_credentials(self.root / "credentials.json")
        identities = {"identities": [{"name": "archive", "credentials": [
            {"accessKey": access_key, "secretKey": secret_key}], "actions": ["Admin", "Read", "Write", "List"]}]}
        write_private(self.root / "s3.json", json.dumps(identities).encode())
        self._commands()
        try:
            for component in self.components:
                self.start_component(component.name)
                if component is self.filer:
                    self._wait_for_nodes(len(self.volumes), deadline)
            self.settings = S3Settings(f"http://{HOST}:{self.s3.port}", access_key, secret_key, self.bucket)
            self._wait_for_bucket(self.settings, deadline)
        except BaseException:
            self.stop()
            raise
        return self.settings

    def start_component(self, name: str) -> None:
        """(Re)start one component with the cluster's security settings."""
        component = self.component(name)
        env, _ = prepare_security(self.root)
        log = (self.root / f"{name}.log").open("ab")
        self._logs.append(log)
        component.proc = subprocess.Popen(
            [str(find_weed()), *component.args], cwd=self.root, env={**os.environ, **env},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=parent_death_hook(),
        )

    def kill(self, name: str) -> None:
        """SIGKILL one component (a crashed server)."""
        component = self.component(name)
        if component.proc is not None:
            component.proc.kill()
            component.proc.wait(10)

    def stop(self) -> None:
        for component in reversed(self.components):
            if component.proc is not None:
                terminate(component.proc, 10)
                component.proc = None
        for log in self._logs:
            log.close()
        self._logs.clear()

    def log_tail(self, name: str, lines: int = 20) -> str:
        try:
            return "\n".join((self.root / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _check_alive(self) -> None:
        for component in self.components:
            if component.proc is not None and component.proc.poll() is not None:
                raise StorageError(f"SeaweedFS 集群组件 {component.name} 已退出：\n{self.log_tail(component.name)}")

    def _wait_for_nodes(self, count: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_alive()
            if topology.master_view(f"http://{HOST}:{self.master.port}").nodes >= count:
                return
            time.sleep(0.2)
        raise StorageError(f"SeaweedFS 集群的 {count} 个卷服务器没有在限定时间内登记")

    def _wait_for_bucket(self, settings: S3Settings, deadline: float) -> None:
        probe = S3ObjectStore.from_settings(settings, connect_timeout=1.0, read_timeout=5.0, retries=0)
        last: Exception | None = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                probe.ensure_bucket()
                return
            except StorageError as exc:
                last = exc
                time.sleep(0.2)
        raise StorageError(f"SeaweedFS 集群的 S3 网关没有在限定时间内就绪：{last}\n{self.log_tail('s3')}")

    def __enter__(self) -> SeaweedCluster:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
