"""The files beside the PDF: ZIP of originals with its manifest, and the register snapshot."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from storage import ObjectStore

from ...errors import AppError
from ...vocabulary import KIND_NAMES
from ..collection.model import Part

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MANIFEST_FIELDS = ("item_id", "teacher", "kind", "title", "path", "sha256", "decision", "hours")


def safe_name(text: str, limit: int = 80) -> str:
    """A path segment from a teacher's name, a kind or a title (no separators or controls)."""
    cleaned = _UNSAFE.sub("_", " ".join(text.split())).strip(" .") or "未命名"
    return cleaned[:limit]


def zip_path(part: Part, taken: set[str]) -> str:
    """``教师/类别/标题.ext``, numbered when two items would share a name."""
    suffix = Path(part.filename).suffix.lower() or ".bin"
    base = f"{safe_name(part.teacher)}/{safe_name(KIND_NAMES.get(part.kind, part.kind))}/{safe_name(part.title)}"
    path, n = f"{base}{suffix}", 2
    while path in taken:
        path, n = f"{base}（{n}）{suffix}", n + 1
    taken.add(path)
    return path


def manifest_rows(parts: list[Part]) -> list[dict[str, Any]]:
    taken: set[str] = set()
    rows = []
    for part in parts:
        header = part.header
        rows.append({"item_id": part.item_id, "teacher": part.teacher,
                     "kind": KIND_NAMES.get(part.kind, part.kind), "title": part.title,
                     "path": zip_path(part, taken), "sha256": part.sha256,
                     "decision": header.decision if header else "",
                     "hours": header.hours if header else 0.0})
    return rows


def write_zip(store: ObjectStore, parts: list[Part], rows: list[dict[str, Any]], snapshot_sha: str,
              out: Path) -> None:
    """Originals streamed from the store (each checked against its SHA-256), then the
    manifest as CSV and JSON."""
    keys = {part.item_id: part.object_key for part in parts}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for row in rows:
            digest = hashlib.sha256()
            with archive.open(row["path"], "w") as dest:
                for chunk in store.open(keys[row["item_id"]]):
                    digest.update(chunk)
                    dest.write(chunk)
            if digest.hexdigest() != row["sha256"]:
                raise AppError("object_mismatch",
                               f"成果 {row['item_id']} 的原件与记录的校验值不一致，导出已停止。"
                               "请管理员运行 archive check。", 409)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=MANIFEST_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        archive.writestr("manifest.csv", "\ufeff" + text.getvalue())
        archive.writestr("manifest.json", json.dumps(
            {"items": rows, "snapshot_sha256": snapshot_sha}, ensure_ascii=False, indent=1))


def snapshot_bytes(meta: dict[str, Any], register: Any, rows: list[dict[str, Any]]) -> bytes:
    """The register as it was, canonical JSON (sorted keys): its SHA-256 is recorded."""
    return json.dumps({**meta, "register": register, "items": rows}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")
