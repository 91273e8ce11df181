"""Originals → PDF: fetch each selected file from the object store, convert Word files."""

from __future__ import annotations

from pathlib import Path

from storage import ObjectNotFound, ObjectStore, StorageError

from ...errors import AppError
from ...extract.model import DOC_MIME, DOCX_MIME, PDF_MIME, ExtractionError
from ...extract.office import convert
from .model import Part

SINGLE_SECONDS = 60.0  # LibreOffice, one file on its own (after its batch did not produce it)
SUFFIX = {PDF_MIME: ".pdf", DOCX_MIME: ".docx", DOC_MIME: ".doc"}
NO_SOFFICE = "服务器未安装 LibreOffice，无法把 Word 文件转换为 PDF。"
NO_CONVERSION = ("Word 文件无法转换为 PDF（LibreOffice 转换失败或超时，文件可能已损坏）。"
                 "请教师在 Word/WPS 中另存为 PDF，上传为新版本后重新入册。")


def fetch_and_convert(store: ObjectStore, parts: list[Part], workdir: Path) -> None:
    """Every part gets ``pdf`` (its file as PDF) or ``problem``."""
    src, out = workdir / "src", workdir / "pdf"
    src.mkdir()
    out.mkdir()
    words: dict[Path, Part] = {}
    for part in parts:
        path = _fetch(store, part, src)
        if path is not None and part.mime == PDF_MIME:
            part.pdf = path
        elif path is not None:
            words[path] = part
    if not words:
        return
    try:
        pdfs, problem = convert(list(words), "pdf", out, SINGLE_SECONDS), NO_CONVERSION
    except ExtractionError:  # LibreOffice is not installed
        pdfs, problem = {}, NO_SOFFICE
    for path, part in words.items():
        part.pdf = pdfs.get(path)
        if part.pdf is None:
            part.problem = problem


def _fetch(store: ObjectStore, part: Part, src: Path) -> Path | None:
    """The original as ``src/item-<id>.<ext>``, or None with ``problem`` set."""
    suffix = SUFFIX.get(part.mime)
    if suffix is None:
        part.problem = f"不支持装订该文件类型（{part.mime}），请教师改传 PDF 或 Word 文件。"
        return None
    try:
        data = store.read_bytes(part.object_key)
    except ObjectNotFound:
        part.problem = "原件在对象存储中找不到（可能已丢失），请联系系统管理员核对（archive check）。"
        return None
    except StorageError as exc:
        raise AppError("storage_unavailable",
                       f"读取{part.label}的原件失败（存储服务不可用），请稍后再试。", 503) from exc
    path = src / f"item-{part.item_id}{suffix}"
    path.write_bytes(data)
    return path
