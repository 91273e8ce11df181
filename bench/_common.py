"""Helpers shared by the benchmark scripts: timing, peak memory, tables (not a test module)."""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the project root
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"
MB = 1024 * 1024


@dataclass
class Timings:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU time (less hurt by load)
    peak_traced: int | None = None  # tracemalloc peak, bytes
    peak_rss: int | None = None  # VmHWM - VmRSS before, bytes (None: not measurable)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result)."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def load_note() -> str:
    """The machine's load and speed, to judge how noisy and how portable the figures are."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return ""
    return (f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs; "
            f"speed reference {speed_reference():.3f} cpu s")


def speed_reference() -> float:
    """CPU seconds (best of 3) of a fixed pure-Python workload (dicts, tuples, strings):
    compare machines, and runs on one machine, by this figure."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        table: dict[tuple[int, int], str] = {}
        for n in range(200_000):
            table[(n, n % 7)] = f"{n:,}"
        sum(len(v) for v in table.values())
        best = min(best, time.process_time() - start)
    return best


def _status() -> dict[str, int]:
    out = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def _reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss(fn: Callable[[], Any]) -> int | None:
    """How far the resident set grew above its starting size while ``fn`` ran (bytes)."""
    gc.collect()
    if not _reset_hwm():
        return None
    before = _status().get("VmRSS")
    result = fn()
    after = _status().get("VmHWM")
    del result
    if before is None or after is None:
        return None
    return max(0, after - before)


def peak_traced(fn: Callable[[], Any]) -> int:
    """Peak Python allocations (tracemalloc) while ``fn`` ran, its result included (bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - base


def fmt_mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MB:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)
