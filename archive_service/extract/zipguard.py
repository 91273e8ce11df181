"""Refuse zip bombs by the central directory alone, before anything is decompressed."""

from __future__ import annotations

import zipfile

from .model import ExtractionError
from .sandbox import MB

MAX_ENTRIES = 5000
MAX_TOTAL = 200 * MB
MAX_RATIO = 100
BIG_ENTRY = 5 * MB


def check_zip(zf: zipfile.ZipFile) -> None:
    """Raise ``zip_bomb`` on too many entries, too much declared data or an absurd ratio."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ExtractionError.of("zip_bomb")
    if sum(info.file_size for info in infos) > MAX_TOTAL:
        raise ExtractionError.of("zip_bomb")
    for info in infos:
        if info.file_size > BIG_ENTRY and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExtractionError.of("zip_bomb")
