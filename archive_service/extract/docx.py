"""DOCX text: a safe lxml walk of the WordprocessingML parts, in reading order.

python-docx is not used: it skips tables in ``paragraphs``, repeats merged cells in
``row.cells``, never sees text boxes and refuses packages with a dangling relationship target.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ..rules.charcount import Part
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
# Stories other than the body, in output order: (relationship kind, part).
_STORIES = (("footnotes", Part.NOTE), ("endnotes", Part.NOTE), ("header", Part.HEADER),
            ("footer", Part.HEADER), ("comments", Part.COMMENT))
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
    """Text of a .docx, each paragraph labelled with the part it sits in (see :class:`Part`):
    the body (tables, text boxes, hidden text in reading order), then notes, headers/footers
    and comments; and the counts the file recorded at its last save."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf)
            main = _main_part(zf)
            root = _read_xml(zf, main)
            if _local(root) != "document":
                raise ExtractionError.of("unsupported_type")
            related = _related_parts(zf, main)
            walk = _Walk(_hidden_styles(zf, related.get("styles", [])))
            walk.story(root, Part.BODY)
            _other_stories(zf, related, walk)
            pages, recorded = _app_properties(zf)
            if recorded is not None:
                recorded["subdocs_excluded"] = _subdocs_excluded(zf, related.get("settings", []))
    except _ZIP_ERRORS as exc:
        raise ExtractionError.of("corrupt") from exc
    text, segments = _join(walk.out)
    warnings = () if text.strip() else (NO_TEXT_WARNING,)
    return Extraction(text, fmt, mime, pages, from_ocr=False, warnings=warnings,
                      segments=segments, recorded=recorded)


def _join(paragraphs: list[tuple[Part, str]]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The text (paragraphs joined by newlines) and its (part, length) segments."""
    segments: list[list[Any]] = []
    for i, (part, para) in enumerate(paragraphs):
        length = len(para) + (1 if i < len(paragraphs) - 1 else 0)
        if segments and segments[-1][0] == part:
            segments[-1][1] += length
        else:
            segments.append([str(part), length])
    return "\n".join(p for _, p in paragraphs), tuple((p, n) for p, n in segments)


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


def _related_parts(zf: zipfile.ZipFile, main: str) -> dict[str, list[str]]:
    """Parts the main document refers to, by relationship kind (header, footnotes, styles …)."""
    folder, base = posixpath.split(main)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    related: dict[str, list[str]] = {}
    for rel_type, target in _relationships(zf, rels, folder, set(zf.namelist())):
        related.setdefault(rel_type.rsplit("/", 1)[-1], []).append(target)
    return related


def _other_stories(zf: zipfile.ZipFile, related: dict[str, list[str]], walk: _Walk) -> None:
    """Notes, then headers and footers (identical ones once), then comments."""
    seen: set[bytes] = set()
    for kind, part in _STORIES:
        for target in sorted(related.get(kind, [])):
            try:
                root = _read_xml(zf, target)
            except ExtractionError:  # a broken header must not cost the body
                continue
            key = etree.tostring(root, method="text", encoding="utf-8")
            if part == Part.HEADER and key in seen:
                continue
            seen.add(key)
            walk.story(root, part)


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


def _app_properties(zf: zipfile.ZipFile) -> tuple[int | None, dict[str, Any] | None]:
    """Page count and the counts Word/WPS stored in docProps/app.xml at the last save."""
    try:
        root = _read_xml(zf, "docProps/app.xml")
    except (KeyError, ExtractionError):
        return None, None

    def number(name: str) -> int | None:
        value = (root.findtext(f"{{{APP_NS}}}{name}") or "").strip()
        return int(value) if value.isdigit() and int(value) > 0 else None

    counts = {"words": number("Words"), "characters": number("Characters"),
              "characters_with_spaces": number("CharactersWithSpaces")}
    if not any(counts.values()):  # absent, or zeros (some WPS versions write 0)
        return number("Pages"), None
    application = (root.findtext(f"{{{APP_NS}}}Application") or "").strip()[:80]
    return number("Pages"), {"application": application, **counts}


def _subdocs_excluded(zf: zipfile.ZipFile, settings: list[str]) -> bool:
    """Whether the file's own 字数 setting leaves out text boxes, footnotes and endnotes."""
    for name in settings:
        try:
            root = _read_xml_with(zf, name, b"doNotIncludeSubdocsInStats")
        except ExtractionError:
            return False
        for el in root if root is not None else ():
            if _local(el) == "doNotIncludeSubdocsInStats":
                return _on(el)
    return False


def _hidden_styles(zf: zipfile.ZipFile, styles: list[str]) -> frozenset[str]:
    """Ids of the styles that make text hidden (w:vanish, directly or through basedOn)."""
    own: dict[str, bool | None] = {}
    parent: dict[str, str] = {}
    for name in styles:
        try:
            root = _read_xml_with(zf, name, b"anish")  # w:vanish, w:specVanish
        except ExtractionError:
            continue
        for style in root if root is not None else ():
            if _local(style) != "style" or not (sid := _attr(style, "styleId")):
                continue
            own[sid] = _vanish(_child(style, "rPr"))
            based = _child(style, "basedOn")
            if based is not None and (base := _attr(based, "val")):
                parent[sid] = base

    def hidden(sid: str, depth: int = 0) -> bool:
        value = own.get(sid)
        if value is None and sid in parent and depth < 20:
            return hidden(parent[sid], depth + 1)
        return bool(value)

    return frozenset(sid for sid in own if hidden(sid))


def _read_xml(zf: zipfile.ZipFile, name: str) -> etree._Element:
    """Parse one part with the safe parser, refusing parts too large to hold in memory."""
    return _parse(_part_bytes(zf, name))


def _read_xml_with(zf: zipfile.ZipFile, name: str, marker: bytes) -> etree._Element | None:
    """The parsed part, or None without parsing it when it does not contain ``marker``."""
    data = _part_bytes(zf, name)
    return _parse(data) if marker in data else None


def _part_bytes(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_XML:
        raise ExtractionError.of("too_large")
    with zf.open(info) as fh:
        return fh.read(MAX_XML + 1)


def _parse(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))  # one per call: threads
    except etree.XMLSyntaxError as exc:
        raise ExtractionError.of("corrupt") from exc


_W_PREFIXES = tuple(f"{{{ns}}}" for ns in W_NS)


@lru_cache(maxsize=4096)
def _local_name(tag: str) -> str | None:
    for prefix in _W_PREFIXES:
        if tag.startswith(prefix):
            return tag[len(prefix):]
    return None


def _local(el: etree._Element) -> str | None:
    """Local name of a WordprocessingML element, None for anything else."""
    tag = el.tag
    return _local_name(tag) if isinstance(tag, str) else None


def _is_alternate(el: etree._Element) -> bool:
    return el.tag == f"{{{MC_NS}}}AlternateContent"


def _chosen(alternate: etree._Element) -> list[etree._Element]:
    """The first mc:Choice of an mc:AlternateContent (its mc:Fallback repeats the same text)."""
    for branch in alternate:
        if isinstance(branch.tag, str):
            return list(branch)
    return []


def _attr(el: etree._Element, name: str) -> str | None:
    for ns in W_NS:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    for qname in _qnames(name):
        found = el.find(qname)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=64)
def _qnames(name: str) -> tuple[str, ...]:
    return tuple(prefix + name for prefix in _W_PREFIXES)


def _on(el: etree._Element) -> bool:
    """An ST_OnOff element: on unless its val says false."""
    return (_attr(el, "val") or "true").lower() not in ("0", "false", "off")


def _vanish(rpr: etree._Element | None) -> bool | None:
    """True/False when the run properties set hidden (w:vanish) on/off, None when silent."""
    for name in ("vanish", "specVanish"):
        el = _child(rpr, name)
        if el is not None:
            return _on(el)
    return None


class _Walk:
    """One pass over the stories of a document, collecting (part, paragraph text).

    Inside a paragraph, hidden runs and the paragraphs of anchored text boxes are collected
    aside and follow the paragraph.  Field instructions (``w:instrText``, and any text between a
    field's ``begin`` and ``separate``) are dropped, field results kept; tracked deletions and
    moves away are dropped, insertions kept.
    """

    def __init__(self, hidden_styles: frozenset[str]) -> None:
        self.hidden_styles = hidden_styles
        self.out: list[tuple[Part, str]] = []
        self.fields: list[bool] = []  # one entry per open field: True while in its instruction
        self.dropped = False  # text was dropped as part of an instruction
        self.use_fields = True

    def story(self, root: etree._Element, part: Part) -> None:
        """Walk one part.  A field left open at its end (a broken file) would have hidden all
        the text after it as "instruction": then the part is walked again ignoring fields."""
        start = len(self.out)
        self.fields, self.dropped, self.use_fields = [], False, True
        self._blocks(root, part, self.out)
        if self.fields and self.dropped:
            del self.out[start:]
            self.fields, self.use_fields = [], False
            self._blocks(root, part, self.out)

    def _blocks(self, container: Iterable[etree._Element], part: Part,
                out: list[tuple[Part, str]]) -> None:
        for child in container:
            name = _local(child)
            if name == "p":
                self._paragraph(child, part, out)
            elif _is_alternate(child):
                self._blocks(_chosen(child), part, out)
            elif name not in _SKIP and isinstance(child.tag, str):
                self._blocks(child, part, out)

    def _paragraph(self, p: etree._Element, part: Part, out: list[tuple[Part, str]]) -> None:
        style = _child(_child(p, "pPr"), "pStyle")
        hidden = style is not None and _attr(style, "val") in self.hidden_styles
        line = _Line(part, hidden)
        self._inline(p, line)
        for piece_part, text in ((part, line.shown), (Part.HIDDEN, line.hidden)):
            joined = "".join(text)
            if joined.strip():
                out.append((piece_part, joined))
        out += line.boxes

    def _inline(self, container: Iterable[etree._Element], line: _Line) -> None:
        for child in container:
            name = _local(child)
            if name == "r":
                self._run(child, line)
            elif name == "txbxContent":
                box = Part.TEXTBOX if line.part == Part.BODY else line.part
                self._blocks(child, box, line.boxes)
            elif _is_alternate(child):
                self._inline(_chosen(child), line)
            elif name not in _SKIP and isinstance(child.tag, str):
                self._inline(child, line)

    def _run(self, run: etree._Element, line: _Line) -> None:
        rpr = _child(run, "rPr")
        hidden = _vanish(rpr)
        if hidden is None:
            style = _child(rpr, "rStyle")
            hidden = line.hidden_paragraph or (
                style is not None and _attr(style, "val") in self.hidden_styles)
        sink = line.hidden if hidden else line.shown
        for child in run:
            name = _local(child)
            if name == "fldChar":
                self._field_char(child)
            elif name == "t" or name in _INLINE:
                if not any(self.fields):
                    sink.append(child.text or "" if name == "t" else _INLINE[name])
                elif name == "t" and child.text:
                    self.dropped = True
            elif name not in _SKIP and isinstance(child.tag, str) or _is_alternate(child):
                self._inline([child], line)  # drawings, pictures: their text boxes

    def _field_char(self, el: etree._Element) -> None:
        kind = _attr(el, "fldCharType")
        if not self.use_fields:
            return
        if kind == "begin":
            self.fields.append(True)
        elif kind == "separate" and self.fields:
            self.fields[-1] = False
        elif kind == "end" and self.fields:
            self.fields.pop()


class _Line:
    """What one paragraph yields: shown text, hidden text, paragraphs of its text boxes."""

    def __init__(self, part: Part, hidden_paragraph: bool) -> None:
        self.part = part
        self.hidden_paragraph = hidden_paragraph
        self.shown: list[str] = []
        self.hidden: list[str] = []
        self.boxes: list[tuple[Part, str]] = []
