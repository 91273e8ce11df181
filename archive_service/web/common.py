"""Helpers shared by the blueprints: form parsing, uploads and file responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal, overload
from urllib.parse import quote

from flask import Response, current_app, g, request
from werkzeug.datastructures import FileStorage

from storage import StorageError

from ..errors import AppError
from ..extensions import archive
from ..instance import staging_dir
from ..services.staging import StagedFile, stage


@overload
def staged_upload(field: str = "file", required: Literal[True] = True) -> StagedFile: ...
@overload
def staged_upload(field: str, required: Literal[False]) -> StagedFile | None: ...


def staged_upload(field: str = "file", required: bool = True) -> StagedFile | None:
    """The uploaded file in ``field``, staged; a missing file is an error when ``required``."""
    file: FileStorage | None = request.files.get(field)
    if file is None or not file.filename:
        if required:
            raise AppError("no_file", "请选择要上传的文件（表单字段 file）。")
        return None
    staged = stage(file.stream, file.filename, archive.settings.max_upload_bytes,
                   staging_dir(Path(current_app.instance_path)))
    g.setdefault("staged_files", []).append(staged)
    return staged


def discard_staged(_exc: BaseException | None = None) -> None:
    """End of request: remove whatever this request staged (normally gone already)."""
    for staged in g.pop("staged_files", []):
        staged.discard()


def content_disposition(filename: str, inline: bool = False) -> str:
    """RFC 6266 header that keeps Chinese names intact, with an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(key: str, filename: str, mime: str, size: int, inline: bool = False) -> Response:
    """Stream an object from the store with safe headers."""
    try:
        chunks: Iterator[bytes] = archive.store.open(key)
        first = next(chunks, b"")
    except StorageError as exc:
        raise AppError("storage_unavailable", "原件暂时无法读取（存储服务不可用），请稍后再试。",
                       503) from exc

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    response = Response(body(), mimetype=mime)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    response.headers["Content-Length"] = str(size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        return default
