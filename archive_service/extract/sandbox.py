"""Running external tools with a time limit, a memory limit and their own process group.

Limits are applied by ``/bin/sh -c 'ulimit …; exec "$@"'`` rather than a Python ``preexec_fn``:
``preexec_fn`` is unsafe when threads exist (the OCR runs pages in threads, Flask serves in
threads); the shell sets the same ``setrlimit`` values and then execs the tool.

Tools die with the server: ``setpriv --pdeathsig KILL`` (util-linux) kills a tool whose
server thread or process is gone (even after ``kill -9``), and a clean shutdown kills the
process groups still running (``kill_running_tools``).
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from .model import ExtractionError

MB = 1024 * 1024
DEFAULT_MEMORY = 1024 * MB
_LIMITED = 'ulimit -v {kb} && ulimit -t {cpu} && exec "$@"'
_SETPRIV = shutil.which("setpriv")
_running: set[int] = set()  # process-group ids of tools running now
_running_lock = threading.Lock()


class Deadline:
    """A point in time shared by all the steps of one extraction."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds remaining; raises ``timeout`` once none are."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise ExtractionError.of("timeout")
        return remaining


@dataclass(frozen=True)
class Result:
    """Exit status and captured output of one tool run."""

    returncode: int
    stdout: bytes
    stderr: str


def run(
    cmd: list[str],
    deadline: Deadline,
    *,
    memory: int | None = DEFAULT_MEMORY,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> Result:
    """Run ``cmd`` and capture its output; kill its whole process group on timeout."""
    timeout = deadline.left()
    full_env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", **(env or {})}
    proc = subprocess.Popen(
        _limited(cmd, memory, timeout),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd,
        start_new_session=True,
    )
    with _running_lock:
        _running.add(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ExtractionError.of("timeout") from None
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        with _running_lock:
            _running.discard(proc.pid)
    _kill_group(proc)
    return Result(proc.returncode, out, err.decode("utf-8", "replace"))


def _limited(cmd: list[str], memory: int | None, timeout: float) -> list[str]:
    """Wrap ``cmd`` in a shell that sets the address-space and CPU-time limits."""
    kb = "unlimited" if memory is None else str(memory // 1024)
    cpu = str(math.ceil(timeout) + 1)
    shell = ["/bin/sh", "-c", _LIMITED.format(kb=kb, cpu=cpu), "sh", *cmd]
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *shell] if _SETPRIV else shell


def kill_running_tools() -> int:
    """SIGKILL the process group of every tool still running (server shutdown); return the count."""
    with _running_lock:
        groups = sorted(_running)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(groups)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of the process group of ``proc``."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
