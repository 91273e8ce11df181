"""Keeping the managed SeaweedFS up: restart it with backoff when it exits, and say how it is."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from storage.base import S3Settings, StorageError
from storage.seaweed.mini import ManagedSeaweedFS

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
POLL_SECONDS = 0.5
log = logging.getLogger("archive.seaweedfs")


@dataclass
class Health:
    """What the health endpoint shows about the object store."""

    state: str = "stopped"  # running | restarting | stopped
    restarts: int = 0
    last_exit_code: int | None = None
    last_error: str = ""
    since: float = 0.0  # time.time() of the last state change

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Supervisor:
    """A thread that restarts ``weed`` whenever it exits, waiting longer after each failure.

    ``on_start`` runs after every successful (re)start with the new settings (the ports can
    change if the old ones were taken meanwhile), e.g. to point the app's store at them and
    abort the multipart uploads the dead process left behind.
    """

    def __init__(self, weed: ManagedSeaweedFS, *, on_start: Callable[[S3Settings], None] | None = None,
                 backoff: Sequence[float] = BACKOFF, poll: float = POLL_SECONDS) -> None:
        self.weed = weed
        weed.forked_by_supervisor = True
        self.on_start = on_start
        self.backoff = tuple(backoff)
        self.poll = poll
        self._health = Health()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def health(self) -> Health:
        with self._lock:
            return Health(**asdict(self._health))

    def _set(self, state: str, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self._health, name, value)
            self._health.state = state
            self._health.since = time.time()

    def start(self, timeout: float = 30.0) -> S3Settings:
        """Start weed in the calling thread (errors propagate), then watch it from a thread."""
        settings = self.weed.start(timeout)
        self._started(settings)
        self._thread = threading.Thread(target=self._watch, name="seaweedfs-supervisor", daemon=True)
        self._thread.start()
        return settings

    def stop(self, timeout: float = 15.0) -> None:
        """Stop watching, then stop weed (SIGTERM, SIGKILL after ``timeout`` seconds)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout + 30)
        self.weed.stop(timeout)
        self._set("stopped")

    def _started(self, settings: S3Settings) -> None:
        """Run ``on_start`` first, then report "running": whoever sees "running" finds the
        app pointed at the new ports and the dead process's multipart uploads aborted."""
        if self.on_start is not None:
            try:
                self.on_start(settings)
            except Exception:  # noqa: BLE001 - a clean-up failure must not stop supervision
                log.exception("SeaweedFS 启动后的清理失败")
        self._set("running", last_error="")

    def _watch(self) -> None:
        failures = 0
        while not self._stopping.wait(self.poll):
            code = self.weed.exit_code
            if code is None and self.weed.running:
                failures = 0
                continue
            delay = self.backoff[min(failures, len(self.backoff) - 1)]
            log.error("SeaweedFS 已退出（退出码 %s），%.0f 秒后重启（第 %d 次）", code, delay, failures + 1)
            self._set("restarting", last_exit_code=code, restarts=self.health().restarts + 1)
            if self._stopping.wait(delay):
                return
            failures = self._restart(failures)

    def _restart(self, failures: int) -> int:
        try:
            settings = self.weed.start()
        except StorageError as exc:
            log.error("SeaweedFS 重启失败：%s", exc)
            self._set("restarting", last_error=str(exc)[:500])
            return failures + 1
        if self._stopping.is_set():  # stop() came in while starting
            return failures
        log.warning("SeaweedFS 已重启：%s", settings.endpoint)
        self._started(settings)
        return 0
