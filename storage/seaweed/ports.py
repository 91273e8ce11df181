"""Choosing free loopback ports for every port flag of ``weed mini``."""

from __future__ import annotations

import contextlib
import socket

from storage.base import StorageError

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
# weed 4.48's embedded maintenance worker dials admin.port + 10000 whatever
# -admin.port.grpc says, so the admin gRPC port is chosen at exactly that offset.
ADMIN_GRPC_OFFSET = 10000


def port_free(port: int) -> bool:
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


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (sockets held until all are chosen)."""
    with contextlib.ExitStack() as stack:
        return [_bind_any(stack) for _ in range(count)]


def pick_ports() -> dict[str, int]:
    """Distinct free loopback ports for every port flag (sockets held until all are chosen)."""
    with contextlib.ExitStack() as stack:
        ports = {flag: _bind_any(stack) for flag in PORT_FLAGS if not flag.startswith("admin")}
        ports["admin.port"], ports["admin.port.grpc"] = _bind_offset_pair(stack)
    return {flag: ports[flag] for flag in PORT_FLAGS}


def reusable(ports: object) -> bool:
    """True if ``ports`` is a complete, consistent port map whose ports are all free now."""
    return (
        isinstance(ports, dict)
        and set(ports) == set(PORT_FLAGS)
        and all(isinstance(p, int) for p in ports.values())
        and ports["admin.port.grpc"] == ports["admin.port"] + ADMIN_GRPC_OFFSET
        and all(port_free(p) for p in ports.values())
    )
