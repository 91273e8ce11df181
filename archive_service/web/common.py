"""Helpers shared by the blueprints: request parsing and staged uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, overload

from flask import current_app, g, request
from werkzeug.datastructures import FileStorage

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
    return stage_file(file)


def stage_file(file: FileStorage) -> StagedFile:
    """Stage an uploaded file part in the instance's staging folder (removed at the end of the
    request if nothing took it)."""
    staged = stage(file.stream, file.filename or "", archive.settings.max_upload_bytes,
                   staging_dir(Path(current_app.instance_path)))
    g.setdefault("staged_files", []).append(staged)
    return staged


def discard_staged(_exc: BaseException | None = None) -> None:
    """End of request: remove whatever this request staged (normally gone already)."""
    for staged in g.pop("staged_files", []):
        staged.discard()


def int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        return default
