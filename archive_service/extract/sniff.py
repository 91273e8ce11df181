"""Format detection by content (magic bytes), Word lock files, and OLE container checks."""

from __future__ import annotations

import mmap
import struct
from pathlib import Path, PurePosixPath

from .model import DOC_MIME, DOCX_MIME, PDF_MIME, ExtractionError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
HEAD_SIZE = 8192

_OWNER_FILE_SIZE = 162
_DIR_ENTRY = 128
_FIB_IDENT = 0xA5EC
_FIB_ENCRYPTED = 0x0100


def sniff(head: bytes, filename: str) -> tuple[str, str]:
    """``(fmt, mime)`` of a file from its first bytes; raises ExtractionError for what we refuse.

    Only the magic bytes decide: a ``.pdf`` that is really a Word file is read as Word.
    A zip is reported as docx here; ``extract`` then checks its parts and content types.
    """
    if not head:
        raise ExtractionError.of("empty_file")
    if is_lock_name(filename) or is_owner_file(head):
        raise ExtractionError.of("lock_file")
    if head.startswith(OLE_MAGIC):
        if _find_entry(head, "EncryptedPackage") is not None:
            raise ExtractionError.of("encrypted")
        return "doc", DOC_MIME
    if head.startswith(ZIP_MAGIC):
        return "docx", DOCX_MIME
    if PDF_MAGIC in head[:1024]:
        return "pdf", PDF_MIME
    raise ExtractionError.of("unsupported_type")


def is_lock_name(filename: str) -> bool:
    """Word/Excel owner files are named ``~$`` plus the rest of the document's name."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    return base.startswith("~$")


def is_owner_file(head: bytes) -> bool:
    """The 162-byte owner file: name length, ANSI name, then at 54 the length and UTF-16 name."""
    if len(head) != _OWNER_FILE_SIZE:
        return False
    length = head[0]
    return 0 < length <= 53 and head[54] == length and head[55] == 0


def check_ole(path: Path) -> None:
    """Refuse OLE files that are encrypted OOXML, password-protected .doc, or not Word at all."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if _find_entry(data, "EncryptedPackage") is not None:
            raise ExtractionError.of("encrypted")
        word = _find_entry(data, "WordDocument")
        if word is None:
            raise ExtractionError.of("unsupported_type")
        if _doc_is_encrypted(data, word):
            raise ExtractionError.of("encrypted")


def _find_entry(data: bytes | mmap.mmap, name: str) -> int | None:
    """Offset of the OLE directory entry called ``name`` (entries are 128-byte aligned)."""
    needle = name.encode("utf-16-le") + b"\0\0"
    pos = data.find(needle)
    while pos != -1:
        if pos % _DIR_ENTRY == 0 and pos + _DIR_ENTRY <= len(data):
            (name_len,) = struct.unpack_from("<H", data, pos + 64)
            if name_len == len(needle) and data[pos + 66] in (1, 2):
                return pos
        pos = data.find(needle, pos + 1)
    return None


def _doc_is_encrypted(data: bytes | mmap.mmap, entry: int) -> bool:
    """Read the FIB at the start of the WordDocument stream and test its fEncrypted flag."""
    (shift,) = struct.unpack_from("<H", data, 0x1E)
    (cutoff,) = struct.unpack_from("<I", data, 0x38)
    start, size = struct.unpack_from("<II", data, entry + 116)
    offset = (start + 1) << shift
    if size < cutoff or shift > 16 or offset + 12 > len(data):
        return False
    ident, flags = struct.unpack_from("<H8xH", data, offset)
    return ident == _FIB_IDENT and bool(flags & _FIB_ENCRYPTED)
