"""OCR of scanned PDFs: pdftoppm renders a page to grey PGM, tesseract (chi_sim+eng) reads it."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .sandbox import Deadline, run
from .text import squeeze_ocr_gaps
from .tools import which

DPI = 200
WORKERS = 2
LANGS = "chi_sim+eng"


PageProgress = Callable[[int, int], None]
"""Called with (pages done, pages to read) as OCR goes."""


def ocr_pdf(path: Path, pages: int, deadline: Deadline, on_page: PageProgress | None = None) -> str:
    """Text of the first ``pages`` pages, two pages at a time; unreadable pages give ''."""
    done = [0]
    lock = threading.Lock()

    def page(number: int, tmp: Path) -> str:
        text = _ocr_page(path, number, tmp, deadline)
        if on_page is not None:
            with lock:
                done[0] += 1
                on_page(done[0], pages)
        return text

    with tempfile.TemporaryDirectory(prefix="archive-ocr-") as tmp:
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [pool.submit(page, number, Path(tmp)) for number in range(1, pages + 1)]
            try:
                texts = [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return "\n".join(squeeze_ocr_gaps(text) for text in texts)


def _ocr_page(path: Path, number: int, tmp: Path, deadline: Deadline) -> str:
    """Render page ``number`` and read it; the page image is deleted straight after."""
    prefix = tmp / f"page-{number}"
    image = prefix.with_suffix(".pgm")
    render = [
        str(which("pdftoppm")), "-r", str(DPI), "-gray", "-singlefile",
        "-f", str(number), "-l", str(number), str(path), str(prefix),
    ]  # fmt: skip
    try:
        run(render, deadline)
        if not image.is_file():
            return ""
        read = [str(which("tesseract")), str(image), "-", "-l", LANGS]
        result = run(read, deadline, env={"OMP_THREAD_LIMIT": "1"})
    finally:
        image.unlink(missing_ok=True)
    if result.returncode != 0:
        return ""
    return result.stdout.decode("utf-8", "replace").replace("\f", "\n")
