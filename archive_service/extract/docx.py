"""DOCX text: a safe lxml walk of the WordprocessingML parts, in reading order.

python-docx is not used: it skips tables in ``paragraphs``, repeats merged cells in
``row.cells``, never sees text boxes and refuses packages with a dangling relationship target.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from .model import DOCX_MIME, Extraction, ExtractionError
from .sandbox import MB
from .zipguard import check_zip

W_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
EXTRA_PARTS = ("header", "footer", "footnotes", "endnotes")
MAX_XML = 64 * MB
NO_TEXT_WARNING = "文档中没有读到文字（可能只含图片），字数为 0，需人工核对"
# Broken deflate data, unsupported compression methods, password-protected zip entries.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)

_INLINE = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
# Containers whose text is not part of the current document: tracked deletions and moves away.
_SKIP = {"del", "moveFrom", "pPr", "rPr", "sectPr", "tblPr", "tcPr", "trPr", "instrText"}
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}


def extract_docx(path: Path, *, fmt: str = "docx", mime: str = DOCX_MIME) -> Extraction:
    """Text of a .docx: body (tables and text boxes included), then headers/footers and notes."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf)
            main = _main_part(zf)
            root = _read_xml(zf, main)
            if _local(root) != "document":
                raise ExtractionError.of("unsupported_type")
            paragraphs = _blocks(root)
            paragraphs += _extra_text(zf, main)
            pages = _app_pages(zf)
    except _ZIP_ERRORS as exc:
        raise ExtractionError.of("corrupt") from exc
    text = "\n".join(paragraphs)
    warnings = () if text.strip() else (NO_TEXT_WARNING,)
    return Extraction(text, fmt, mime, pages, from_ocr=False, warnings=warnings)


def _main_part(zf: zipfile.ZipFile) -> str:
    """Name of the main document part; refuse macro-enabled and non-Word packages."""
    names = set(zf.namelist())
    types = _content_types(zf, names)
    if any("macroenabled" in t.lower() for t in types.values()) or any(
        n.lower().endswith("vbaproject.bin") for n in names
    ):
        raise ExtractionError.of("macro_document")
    main = _office_document(zf, names) or "word/document.xml"
    if main not in names:
        raise ExtractionError.of("unsupported_type")
    declared = types.get("/" + main.lower())
    if declared is not None and declared not in MAIN_TYPES:
        raise ExtractionError.of("unsupported_type")
    return main


def _content_types(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Lower-cased part name (or ``*.ext`` for defaults) → content type."""
    if "[Content_Types].xml" not in names:
        return {}
    root = _read_xml(zf, "[Content_Types].xml")
    types: dict[str, str] = {}
    for el in root:
        key = el.get("PartName") or "*." + (el.get("Extension") or "")
        types[key.lower()] = el.get("ContentType") or ""
    return types


def _office_document(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """Target of the package's officeDocument relationship, if any."""
    for rel_type, target in _relationships(zf, "_rels/.rels", "", names):
        if rel_type.endswith("/officeDocument"):
            return target
    return None


def _extra_text(zf: zipfile.ZipFile, main: str) -> list[str]:
    """Paragraphs of headers, footers, footnotes and endnotes; identical headers count once."""
    folder, base = posixpath.split(main)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    found = [
        (EXTRA_PARTS.index(kind), target)
        for rel_type, target in _relationships(zf, rels, folder, set(zf.namelist()))
        if (kind := rel_type.rsplit("/", 1)[-1]) in EXTRA_PARTS
    ]
    out: list[str] = []
    seen: set[str] = set()
    for _, target in sorted(found, key=lambda item: item[0]):
        try:
            block = _blocks(_read_xml(zf, target))
        except ExtractionError:  # a broken header must not cost the body
            continue
        key = "\n".join(block)
        if block and key not in seen:
            seen.add(key)
            out += block
    return out


def _relationships(
    zf: zipfile.ZipFile, rels: str, folder: str, names: set[str]
) -> Iterator[tuple[str, str]]:
    """(type, part name) of the internal relationships in ``rels`` whose target exists."""
    if rels not in names:
        return
    for rel in _read_xml(zf, rels).iter(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            part = posixpath.normpath(target.lstrip("/"))
        else:
            part = posixpath.normpath(posixpath.join(folder, target))
        if part in names:
            yield rel.get("Type") or "", part


def _app_pages(zf: zipfile.ZipFile) -> int | None:
    """Page count Word stored in docProps/app.xml at the last save (None if absent)."""
    try:
        root = _read_xml(zf, "docProps/app.xml")
    except (KeyError, ExtractionError):
        return None
    value = root.findtext(f"{{{APP_NS}}}Pages")
    return int(value) if value and value.strip().isdigit() and int(value) > 0 else None


def _read_xml(zf: zipfile.ZipFile, name: str) -> etree._Element:
    """Parse one part with the safe parser, refusing parts too large to hold in memory."""
    info = zf.getinfo(name)
    if info.file_size > MAX_XML:
        raise ExtractionError.of("too_large")
    with zf.open(info) as fh:
        data = fh.read(MAX_XML + 1)
    try:
        return etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))  # one per call: threads
    except etree.XMLSyntaxError as exc:
        raise ExtractionError.of("corrupt") from exc


def _local(el: etree._Element) -> str | None:
    """Local name of a WordprocessingML element, None for anything else."""
    if not isinstance(el.tag, str):
        return None
    qname = etree.QName(el)
    return qname.localname if qname.namespace in W_NS else None


def _is_alternate(el: etree._Element) -> bool:
    return el.tag == f"{{{MC_NS}}}AlternateContent"


def _chosen(alternate: etree._Element) -> list[etree._Element]:
    """The first mc:Choice of an mc:AlternateContent (its mc:Fallback repeats the same text)."""
    for branch in alternate:
        if isinstance(branch.tag, str):
            return list(branch)
    return []


def _blocks(container: etree._Element | list[etree._Element]) -> list[str]:
    """Non-empty paragraphs of block-level content (body, cell, text box, note) in order."""
    out: list[str] = []
    _collect_blocks(container, out)
    return out


def _collect_blocks(container: etree._Element | list[etree._Element], out: list[str]) -> None:
    for child in container:
        name = _local(child)
        if name == "p":
            _paragraph(child, out)
        elif _is_alternate(child):
            _collect_blocks(_chosen(child), out)
        elif name not in _SKIP and isinstance(child.tag, str):
            _collect_blocks(child, out)


def _paragraph(p: etree._Element, out: list[str]) -> None:
    """Append the paragraph's text, then the paragraphs of the text boxes anchored in it."""
    parts: list[str] = []
    boxes: list[str] = []
    _collect_inline(p, parts, boxes)
    text = "".join(parts)
    if text.strip():
        out.append(text)
    out += boxes


def _collect_inline(
    container: etree._Element | list[etree._Element], parts: list[str], boxes: list[str]
) -> None:
    for child in container:
        name = _local(child)
        if name == "t":
            parts.append(child.text or "")
        elif name in _INLINE:
            parts.append(_INLINE[name])
        elif name == "txbxContent":
            _collect_blocks(child, boxes)
        elif _is_alternate(child):
            _collect_inline(_chosen(child), parts, boxes)
        elif name not in _SKIP and isinstance(child.tag, str):
            _collect_inline(child, parts, boxes)
