"""The one background index writer of ``archive serve``.

Requests only queue work (rows in the index outbox, written in their own transaction); this
thread writes the queue to the search index in batches: woken by a commit that queued
something, it waits ``settle`` seconds so that nearby commits share one index commit, then
drains. It also polls every ``poll`` seconds for entries queued by other processes (the
CLI) and runs the background rebuild of a missing, damaged or newly chosen index. An upload
never waits for an index commit, and start-up never drains a backlog in the foreground.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

_log = logging.getLogger(__name__)

Step = Callable[[], bool]
"""One round of work in the app context; True when more work is waiting right away."""


class IndexWriter:
    def __init__(self, app: Flask, step: Step, *, settle: float = 1.0, poll: float = 15.0) -> None:
        self._app = app
        self._step = step
        self._settle = settle
        self._poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # completed rounds (tests wait on it)
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._thread.start()

    def signal(self) -> None:
        """Something was queued: write it within about ``settle`` seconds."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the round in progress, then end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until a round started after this call has finished (for tests and the CLI)."""
        target = self.rounds + 2
        self.signal()
        deadline = time.monotonic() + timeout
        while self.rounds < target and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.rounds >= target

    def _run(self) -> None:
        more = True  # start-up: whatever is queued is written here, not in the foreground
        while not self._stop.is_set():
            if not more:
                self._wake.wait(self._poll)
                if self._stop.is_set():
                    break
                self._stop.wait(self._settle)  # let nearby commits share one index commit
            self._wake.clear()
            more = self._round()
            self.rounds += 1

    def _round(self) -> bool:
        try:
            with self._app.app_context():
                more = self._step()
            self.last_error = None
            return more
        except Exception as exc:  # noqa: BLE001 - derived data: logged, retried next round
            _log.exception("index writer round failed")
            self.last_error = repr(exc)
            self._stop.wait(self._settle * 5)
            return False
