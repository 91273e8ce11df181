"""Responses that send a file: a stored original, a register export, the bound collection."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Response, request
from werkzeug.wsgi import wrap_file

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services.collection import build_collection, collection_target
from ..services.export import register_csv
from ..services.ledger_sheets import register_xlsx
from ..services.shapes import Register
from ..services.stored import open_stored

if TYPE_CHECKING:
    from ..models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Registers = list[Register]
REGISTER_FORMATS: dict[str, tuple[Callable[[Registers], bytes | str], str]] = {
    "xlsx": (register_xlsx, XLSX), "csv": (register_csv, "text/csv; charset=utf-8")}


def content_disposition(filename: str, inline: bool = False) -> str:
    """RFC 6266 header that keeps Chinese names intact, with an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(key: str, filename: str, mime: str, size: int, inline: bool = False) -> Response:
    """Stream an object from the store with safe headers."""
    response = Response(open_stored(archive.store, key), mimetype=mime)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    response.headers["Content-Length"] = str(size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_response(body: bytes, filename: str) -> Response:
    """A generated PDF (学时证明) as a download."""
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(body: bytes, filename: str) -> Response:
    """A generated workbook as a download."""
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register_response(registers: Registers, fmt: str) -> Response:
    """学时登记表 as XLSX or CSV, named after the (first) year."""
    if fmt not in REGISTER_FORMATS:
        raise AppError("not_found", "不支持的导出格式。", 404)
    render, mime = REGISTER_FORMATS[fmt]
    response = Response(render(registers), mimetype=mime)
    response.headers["Content-Disposition"] = content_disposition(
        f"学时登记表_{registers[0]['year']}.{fmt}")
    return response


def collection_response(user: User, year: str, school_ref: str | int) -> Response:
    """Build the collection into a temp dir and stream it; the dir is gone once it is open."""
    school_id, year = collection_target(db.session, user, year, school_ref)
    tmp = Path(tempfile.mkdtemp(prefix="archive-collection-out-"))
    try:
        path = tmp / "collection.pdf"
        result = build_collection(db.session, archive.store, archive.settings, school_id, year,
                                  path)
        size = path.stat().st_size
        handle = path.open("rb")  # stays readable after the directory is removed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    response = Response(wrap_file(request.environ, handle), mimetype="application/pdf",
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(f"校本研修成果集_{year}.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Collection-Pages"] = str(result.pages)
    response.headers["X-Collection-Items"] = str(len(result.items))
    response.headers["X-Collection-Problems"] = str(len(result.problems))
    response.headers["X-Collection-Problem-Items"] = ",".join(str(i) for i, _ in result.problems)
    return response
