"""A decompression budget for PDFs, checked before any PDF tool reads the file.

A small PDF can hold FlateDecode streams that inflate a thousand times (a "bomb"): poppler or
pypdf then spend many seconds of CPU on content nobody wrote. Before extraction every stream
that a text extractor would inflate (content, fonts, object streams; images are skipped, the
text tools never decode them) is inflated here in bounded chunks without keeping the output,
and the file is refused once the total passes the budget.
"""

from __future__ import annotations

import mmap
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from .model import ExtractionError

MB = 1024 * 1024
RATIO = 30  # inflated bytes allowed per byte of file (text PDFs measure 2-10)
FLOOR = 16 * MB  # a small file may always inflate this much
CEILING = 256 * MB  # and no file more than this
_STREAM = re.compile(rb"stream\r?\n")
_DICT_WINDOW = 4096
_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 1 * MB


def budget_for(size: int) -> int:
    """Inflated bytes allowed for a PDF of ``size`` bytes."""
    return min(max(FLOOR, RATIO * size), CEILING)


def check_pdf_inflation(path: Path, budget: int | None = None) -> int:
    """Total inflated size of the file's FlateDecode streams; raises ``pdf_bomb`` past the budget."""
    limit = budget_for(path.stat().st_size) if budget is None else budget
    total = 0
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for start, layers in _flate_streams(data):
            total += _inflated_size(data, start, layers, limit - total)
            if total > limit:
                raise ExtractionError.of("pdf_bomb")
    return total


def _flate_streams(data: mmap.mmap) -> Iterator[tuple[int, int]]:
    """(offset of the stream data, number of FlateDecode filters) for each non-image stream."""
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - _DICT_WINDOW):match.start()]
        head = head[head.rfind(b" obj") + 1:] if b" obj" in head else head
        layers = head.count(b"/FlateDecode") + head.count(b"/Fl ") + head.count(b"/Fl]")
        if layers and b"/Image" not in head:
            yield match.end(), min(layers, 4)


def _inflated_size(data: mmap.mmap, start: int, layers: int, allowed: int) -> int:
    """Bytes that come out of ``layers`` inflations from ``start``; stops just past ``allowed``."""
    chain = [zlib.decompressobj() for _ in range(layers)]
    total = 0
    pos = start
    try:
        while pos < len(data) and not chain[0].eof:
            pieces: Iterator[bytes] = iter([data[pos:pos + _IN_CHUNK]])
            pos += _IN_CHUNK
            for stage in chain:
                pieces = _drain(stage, pieces)
            for piece in pieces:
                total += len(piece)
                if total > allowed:
                    return total
    except zlib.error:  # a damaged stream: the extractor will report the file, not us
        pass
    return total


def _drain(stage: zlib._Decompress, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Inflate ``pieces`` through ``stage`` in bounded output chunks."""
    for piece in pieces:
        buf = piece
        while buf and not stage.eof:
            out = stage.decompress(buf, _OUT_CHUNK)
            if out:
                yield out
            buf = stage.unconsumed_tail
            if not out and buf:
                break
