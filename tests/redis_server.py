"""A real redis-server (Debian's package) for tests: loopback only, a free port, a password,
no persistence files outside its own temp folder."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Start redis-server; yields its URL (``redis://:password@127.0.0.1:port/0``)."""
    binary = shutil.which("redis-server")
    assert binary, "缺少 redis-server：运行 bash .ci/install --test（Debian 软件包 redis-server）"
    folder.mkdir(parents=True, exist_ok=True)
    port, password = _free_port(), secrets.token_hex(16)
    conf = folder / "redis.conf"
    conf.write_text(f"bind 127.0.0.1\nport {port}\nrequirepass {password}\nprotected-mode yes\n"
                    f"dir {folder}\nappendonly yes\nsave \"\"\ndaemonize no\n")
    conf.chmod(0o600)
    proc = subprocess.Popen([binary, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
