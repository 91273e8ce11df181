"""Running the service process: the managed object store, signals and a clean shutdown.

* ``serve_forever`` answers requests until SIGTERM or SIGINT, then stops accepting, gives
  in-flight requests a grace period, kills leftover extraction tools and returns (exit 0).
* ``ManagedStore`` starts and supervises the embedded SeaweedFS for ``archive serve``.
* ``store_overrides`` gives admin commands an object store: the configured S3 endpoint, the
  SeaweedFS a running ``archive serve`` manages (found through its private 0600 files), or a
  SeaweedFS started just for the command.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask

from storage import ManagedSeaweedFS, S3ObjectStore, S3Settings, StorageError
from storage.seaweed.supervisor import Health, Supervisor

from .extract.sandbox import kill_running_tools

log = logging.getLogger("archive")
GRACE_SECONDS = 10.0


def log_to_stderr() -> None:
    """Service events (SeaweedFS exits and restarts, shutdown) as timestamped lines on stderr."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def s3_overrides(settings: S3Settings) -> dict[str, Any]:
    """Flask config entries pointing the app at ``settings``."""
    return {"S3_ENDPOINT": settings.endpoint, "S3_ACCESS_KEY": settings.access_key,
            "S3_SECRET_KEY": settings.secret_key, "S3_BUCKET": settings.bucket}


def abort_stale_uploads(settings: S3Settings) -> int:
    """Abort every unfinished multipart upload in the bucket (what a dead weed leaves)."""
    store = S3ObjectStore.from_settings(settings)
    stale = store.list_incomplete_uploads()
    for key, upload_id in stale:
        store.abort_incomplete_upload(key, upload_id)
    if stale:
        log.warning("已中止 %d 个未完成的分片上传", len(stale))
    return len(stale)


class ManagedStore:
    """The supervised embedded SeaweedFS of ``archive serve``."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.weed = ManagedSeaweedFS(Path(config["SEAWEED_DIR"]), config["S3_BUCKET"])
        self.listeners: list[Callable[[S3Settings], None]] = []
        self.supervisor = Supervisor(self.weed, on_start=self._on_start)

    def _on_start(self, settings: S3Settings) -> None:
        abort_stale_uploads(settings)
        for listener in self.listeners:
            listener(settings)

    def start(self) -> S3Settings:
        return self.supervisor.start()

    def health(self) -> Health:
        return self.supervisor.health()

    def stop(self) -> None:
        self.supervisor.stop()


@contextlib.contextmanager
def store_overrides(config: dict[str, Any], say: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """Config overrides giving an admin command an object store for its duration."""
    if config["S3_ENDPOINT"]:
        yield {}
        return
    weed = ManagedSeaweedFS(Path(config["SEAWEED_DIR"]), config["S3_BUCKET"])
    running = weed.attach()
    if running is not None:
        say(f"服务正在运行：使用它管理的 SeaweedFS（{running.endpoint}）")
        yield s3_overrides(running)
        return
    with weed:
        yield s3_overrides(weed.start())


class _Shutdown(SystemExit):
    """Raised in the main thread by SIGTERM/SIGINT; waitress stops its loop on SystemExit."""


def _raise_shutdown(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one shutdown at a time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log.warning("收到信号 %s，正在停止服务", signal.Signals(signum).name)
    raise _Shutdown(0)


def serve_forever(app: Flask, *, host: str, port: int, threads: int, grace: float = GRACE_SECONDS,
                  ready: Callable[[str], None] | None = None,
                  stopping: Callable[[], None] | None = None) -> None:
    """Serve ``app`` until SIGTERM/SIGINT; then stop cleanly and return.  ``stopping`` runs
    before leftover tools are killed (the job worker stops taking and finishing jobs)."""
    from waitress import create_server, wasyncore

    server: Any = create_server(app, host=host, port=port, threads=threads, ident="archive",
                                channel_timeout=120)
    previous = {sig: signal.signal(sig, _raise_shutdown) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready(f"http://{host}:{server.effective_port}/")
        try:
            server.run()  # returns on _Shutdown after waiting for the worker threads
        except _Shutdown:
            pass  # the signal came before the loop started
        wasyncore.dispatcher.close(server)  # no new connections
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=grace)
        _flush(server, time.monotonic() + 2.0)  # send the answers of requests that finished
        server.close()
    finally:
        if stopping is not None:
            stopping()
        kill_running_tools()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _flush(server: Any, deadline: float) -> None:
    from waitress import wasyncore

    while time.monotonic() < deadline and any(
        getattr(channel, "total_outbufs_len", 0) for channel in list(server._map.values())
    ):
        with contextlib.suppress(OSError, ValueError):
            wasyncore.loop(timeout=0.05, map=server._map, count=1)


__all__ = ["ManagedStore", "StorageError", "abort_stale_uploads", "s3_overrides", "serve_forever",
           "serve_gunicorn", "store_overrides"]


ENV_OF = {"S3_ENDPOINT": "ARCHIVE_S3_ENDPOINT", "S3_ACCESS_KEY": "ARCHIVE_S3_ACCESS_KEY",
          "S3_SECRET_KEY": "ARCHIVE_S3_SECRET_KEY", "S3_BUCKET": "ARCHIVE_S3_BUCKET"}


def serve_gunicorn(app: Flask, *, host: str, port: int, threads: int, workers: int,
                   env: dict[str, Any], stopping: Callable[[], None] | None = None,
                   ready: Callable[[str], None] | None = None) -> None:
    """Run gunicorn (``workers`` processes × ``threads`` threads, ``archive_service.wsgi``) until
    SIGTERM/SIGINT; gunicorn's graceful shutdown gives requests ``GRACE_SECONDS``."""
    import os
    import subprocess
    import sys

    child_env = {**os.environ, "ARCHIVE_INSTANCE": app.instance_path,
                 **{ENV_OF[k]: str(v) for k, v in env.items() if k in ENV_OF}}
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
           "--worker-class", "gthread", "--bind", f"{host}:{port}",
           "--graceful-timeout", str(int(GRACE_SECONDS)), "--timeout", "120",
           "--access-logfile", "-", "archive_service.wsgi:app"]
    proc = subprocess.Popen(cmd, env=child_env)
    previous = {sig: signal.signal(sig, _raise_shutdown) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready(f"http://{host}:{port}/")
        proc.wait()
    except _Shutdown:
        pass
    finally:
        if stopping is not None:
            stopping()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # gunicorn: stop accepting, finish requests
            try:
                proc.wait(GRACE_SECONDS + 5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        kill_running_tools()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
