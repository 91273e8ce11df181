"""The book: front matter and parts merged with pypdf, numbered, bookmarked, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link

from ...errors import AppError
from ...vocabulary import KIND_NAMES
from .draw import MARGIN, PAGE_W, PT_PER_MM
from .inert import strip_active
from .model import CollectionItem, CollectionResult, Part
from .pages import FrontLayout
from .stamp import stamp_numbers


def write_atomically(out_path: Path, write: Callable[[Path], CollectionResult]) -> CollectionResult:
    """Run ``write(tmp)`` then rename ``tmp`` to ``out_path``; no partial file is ever left."""
    fd, name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        result = write(tmp)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return result


def assemble(parts: list[Part], generated: Path, layout: FrontLayout, out: Path) -> CollectionResult:
    """Merge front matter and parts, number the pages, add bookmarks and contents links."""
    writer = PdfWriter()
    front = PdfReader(generated)
    writer.append(front, pages=list(range(layout.front_pages)), import_outline=False)
    for part in parts:
        _append_part(writer, front, layout, part)
    if layout.summary_pages:
        writer.append(front, pages=layout.summary_pages, import_outline=False)
    stamp_numbers(writer)
    _outline(writer, parts, layout)
    for page_index, y, height, item_id in layout.links:
        target = next(p.start for p in parts if p.item_id == item_id)
        writer.add_annotation(page_index, _link(writer, page_index, y, height, target - 1))
    strip_active(writer)  # no JavaScript, automatic actions or embedded files from any part
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": layout.title, "/Creator": "校本研修档案（装订成册）"})
    with out.open("wb") as handle:
        writer.write(handle)
    items = [CollectionItem(p.item_id, p.teacher, p.kind, p.title, p.version_number, p.start,
                            p.bound_pages, p.problem) for p in parts]
    return CollectionResult(len(writer.pages), items,
                            [(p.item_id, p.problem) for p in parts if p.problem])


def _append_part(writer: PdfWriter, front: PdfReader, layout: FrontLayout, part: Part) -> None:
    """The part's pages, or its placeholder page; the page count must match the contents."""
    if part.header is not None:
        writer.append(front, pages=[layout.divider_page[part.item_id]], import_outline=False)
    if part.problem is not None:
        writer.append(front, pages=[layout.placeholder_page[part.item_id]], import_outline=False)
    elif part.pdf is None:
        raise ValueError(f"part of item {part.item_id} has neither a PDF nor a problem")
    else:
        try:
            reader = PdfReader(part.pdf, strict=False)
            if reader.is_encrypted:
                reader.decrypt("")
            writer.append(reader, import_outline=False)
        except Exception as exc:  # checked already; anything left fails the whole export
            raise AppError("collection_merge_failed",
                           f"合并{part.label}时出错，成果集未生成。请教师重新导出该文件"
                           "并上传新版本，或将其退回后重试。", 500) from exc
    if len(writer.pages) != part.start - 1 + part.bound_pages:
        raise AppError("collection_merge_failed",
                       f"合并{part.label}后页数与目录不符，成果集未生成。", 500)


def _outline(writer: PdfWriter, parts: list[Part], layout: FrontLayout) -> None:
    writer.add_outline_item(title="封面", page_number=0)
    writer.add_outline_item(title="目录", page_number=1)
    owner, parent = None, None
    for part in parts:
        if part.owner_id != owner:
            owner = part.owner_id
            parent = writer.add_outline_item(title=part.teacher, page_number=part.start - 1)
        mark = "【未能收录】" if part.problem else ""
        if part.header is not None and part.header.hours == 0:
            mark += "【0 学时】"
        writer.add_outline_item(title=f"{mark}{KIND_NAMES.get(part.kind, part.kind)}：{part.title}",
                                page_number=part.start - 1, parent=parent)
    if layout.summary_pages:
        writer.add_outline_item(title="学时汇总", page_number=len(writer.pages) - len(layout.summary_pages))


def _link(writer: PdfWriter, page_index: int, y: float, height: float, target: int) -> Link:
    """A link over a contents row (``y``, ``height`` in mm from the top) to page ``target``."""
    top = float(writer.pages[page_index].mediabox.top)
    rect = (MARGIN * PT_PER_MM, top - (y + height) * PT_PER_MM,
            (PAGE_W - MARGIN) * PT_PER_MM, top - y * PT_PER_MM)
    return Link(rect=rect, target_page_index=target)
