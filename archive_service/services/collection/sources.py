"""Originals → PDF: fetch each selected file from the object store, convert Word files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from storage import ObjectNotFound, ObjectStore, StorageError

from ...errors import AppError
from ...extract.model import DOC_MIME, DOCX_MIME, PDF_MIME, ExtractionError
from ...extract.office import convert
from ..stored import conversion_key
from .model import Part

SINGLE_SECONDS = 60.0  # LibreOffice, one file on its own (after its batch did not produce it)
SUFFIX = {PDF_MIME: ".pdf", DOCX_MIME: ".docx", DOC_MIME: ".doc"}
NO_SOFFICE = "服务器未安装 LibreOffice，无法把 Word 文件转换为 PDF。"
NO_CONVERSION = ("Word 文件无法转换为 PDF（LibreOffice 转换失败或超时，文件可能已损坏）。"
                 "请教师在 Word/WPS 中另存为 PDF，上传为新版本后重新入册。")


Done = Callable[[Part], None]
"""Called as each part has its PDF (or its problem): progress."""


def fetch_and_convert(store: ObjectStore, parts: list[Part], workdir: Path, *,
                      cache: bool = False, parallel: int = 1, done: Done | None = None) -> int:
    """Every part gets ``pdf`` (its file as PDF) or ``problem``.

    With ``cache`` a Word file's PDF is kept in the store under its SHA-256
    (``converted/…``), so a re-export converts nothing already converted; conversions run in
    up to ``parallel`` LibreOffice processes at once.  Returns how many files it converted."""
    src, out = workdir / "src", workdir / "pdf"
    src.mkdir()
    out.mkdir()
    note = done or (lambda _part: None)
    words: dict[Path, Part] = {}
    for part in parts:
        path = _fetch(store, part, src)
        if path is not None and part.mime == PDF_MIME:
            part.pdf = path
        elif path is not None and cache and part.sha256 and _cached(store, part, out):
            pass
        elif path is not None:
            words[path] = part
            continue
        note(part)
    if not words:
        return 0
    groups = [list(words)[i::max(1, parallel)] for i in range(max(1, parallel))]
    with ThreadPoolExecutor(len(groups)) as pool:
        for group_out in pool.map(lambda group: _convert(group, out), [g for g in groups if g]):
            for path, pdf in group_out.items():
                part = words[path]
                part.pdf = pdf if isinstance(pdf, Path) else None
                if part.pdf is None:
                    part.problem = str(pdf)
                elif cache and part.sha256:
                    _remember(store, part)
                note(part)
    return len(words)


def _convert(paths: list[Path], out: Path) -> dict[Path, Path | str]:
    try:
        pdfs, problem = convert(paths, "pdf", out, SINGLE_SECONDS), NO_CONVERSION
    except ExtractionError:  # LibreOffice is not installed
        pdfs, problem = {}, NO_SOFFICE
    return {path: pdfs.get(path) or problem for path in paths}


def cache_key(sha256: str) -> str:
    return conversion_key(sha256)


def _cached(store: ObjectStore, part: Part, out: Path) -> bool:
    """The Word file's PDF from the cache, if an earlier export converted the same bytes."""
    key = cache_key(part.sha256)
    try:
        if store.stat(key) is None:
            return False
        target = out / f"item-{part.item_id}.pdf"
        _download(store, key, target)
    except StorageError:
        return False
    part.pdf = target
    return True


def _remember(store: ObjectStore, part: Part) -> None:
    if part.pdf is None:
        return
    digest = hashlib.sha256(part.pdf.read_bytes()).hexdigest()
    try:
        store.put_file(cache_key(part.sha256), part.pdf, content_type=PDF_MIME, sha256_hex=digest)
    except StorageError:
        pass  # only a cache: the next export converts again


def _download(store: ObjectStore, key: str, target: Path) -> None:
    with target.open("wb") as handle:
        for chunk in store.open(key):
            handle.write(chunk)


def _fetch(store: ObjectStore, part: Part, src: Path) -> Path | None:
    """The original as ``src/item-<id>.<ext>``, or None with ``problem`` set."""
    suffix = SUFFIX.get(part.mime)
    if suffix is None:
        part.problem = f"不支持装订该文件类型（{part.mime}），请教师改传 PDF 或 Word 文件。"
        return None
    path = src / f"item-{part.item_id}{suffix}"
    try:
        _download(store, part.object_key, path)  # streamed: never the whole file in memory
    except ObjectNotFound:
        path.unlink(missing_ok=True)
        part.problem = "原件在对象存储中找不到（可能已丢失），请联系系统管理员核对（archive check）。"
        return None
    except StorageError as exc:
        raise AppError("storage_unavailable",
                       f"读取{part.label}的原件失败（存储服务不可用），请稍后再试。", 503) from exc
    return path
