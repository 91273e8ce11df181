"""Text extraction from uploaded Word (.docx, .doc) and PDF files.

``extract(path, filename)`` returns an :class:`Extraction` or raises :class:`ExtractionError`
whose ``code`` is one of:

- ``empty_file``: the file has 0 bytes.
- ``lock_file``: a Word owner file (name starting ``~$`` or the 162-byte owner-file shape).
- ``unsupported_type``: the content is not docx/doc/pdf (e.g. xlsx, pptx, odt, images, a zip
  without ``word/document.xml``, an OLE file that is not Word). The extension is ignored.
- ``encrypted``: password-protected docx (OLE container with an EncryptedPackage stream),
  .doc with the FIB encryption flag, or a PDF that needs a user password. PDFs that open with
  the empty password (owner password only, AES included) are read normally.
- ``macro_document``: a macro-enabled package (docm/dotm content type or vbaProject.bin).
- ``zip_bomb``: the zip directory declares too many entries, > 200 MB in total, or a > 100×
  compression ratio on an entry over 5 MB (checked before anything is decompressed).
- ``pdf_bomb``: a PDF whose streams inflate past the budget of ``pdfguard`` (checked first).
- ``too_large``: an XML part over 64 MB.
- ``corrupt``: the file cannot be parsed.
- ``no_text``: a scan (no usable text layer) and OCR is disabled, unavailable or found nothing.
- ``timeout``: the external tools did not finish within ``timeout`` seconds.
- ``tool_unavailable``: LibreOffice (for .doc) or both pdftotext and pypdf (for PDF) missing.

Every message is Chinese and says what is wrong and what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .doc import extract_doc
from .docx import extract_docx
from .model import DOC_MIME, DOCX_MIME, PDF_MIME, Extraction, ExtractionError
from .ocr import PageProgress
from .pdf import extract_pdf
from .sandbox import Deadline
from .sniff import HEAD_SIZE, sniff
from .tools import tool_status

__all__ = [
    "DOCX_MIME",
    "DOC_MIME",
    "PageProgress",
    "PDF_MIME",
    "Extraction",
    "ExtractionError",
    "extract",
    "sniff",
    "tool_status",
]

log = logging.getLogger(__name__)


def extract(
    path: Path,
    filename: str,
    *,
    ocr: bool = True,
    max_ocr_pages: int = 30,
    timeout: float = 60.0,
    on_page: PageProgress | None = None,
) -> Extraction:
    """Text of the uploaded file at ``path`` (``filename`` is the user's name for it)."""
    path = Path(path).absolute()
    with path.open("rb") as fh:
        head = fh.read(HEAD_SIZE)
    fmt, _ = sniff(head, filename)
    deadline = Deadline(timeout)
    try:
        if fmt == "docx":
            return extract_docx(path)
        if fmt == "doc":
            return extract_doc(path, deadline=deadline)
        return extract_pdf(path, ocr=ocr, max_ocr_pages=max_ocr_pages, deadline=deadline,
                           on_page=on_page)
    except ExtractionError:
        raise
    except Exception as exc:  # a parser bug or an odd file must become a message, not a 500
        log.exception("extraction failed for %s", filename)
        raise ExtractionError.of("corrupt") from exc
