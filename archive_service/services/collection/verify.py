"""Every PDF checked page by page with pypdf (the library that merges them) before it goes in.

An undecodable content stream makes pypdf warn and then merge a blank page, so such a file is
refused here instead. The check runs in ``extract``'s pypdf worker (``check`` mode) under time and
memory limits, a chunk of files per run; the worker reports file by file, so a run that hangs or
crashes names the file it stopped at and the rest go on in the next run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ...extract.model import ExtractionError
from ...extract.pdf import run_pypdf
from ...extract.sandbox import Deadline
from .model import Part

log = logging.getLogger(__name__)

CHECK_MEMORY = 2048 * 1024 * 1024
CHECK_CHUNK = 20  # PDFs per checker run (a hang costs at most one run's time limit)
Verdict = dict[str, object]

REUPLOAD = "请教师重新导出 PDF，上传为新版本后重新入册。"
REASONS = {
    "encrypted": "PDF 设有打开密码，无法读取。" + REUPLOAD,
    "corrupt": "PDF 文件已损坏，无法读取。" + REUPLOAD,
    "empty": "PDF 中没有任何页面。" + REUPLOAD,
    "page": "PDF 第 {page} 页已损坏（页面内容无法解码），为免装订出空白页，整篇未收录。" + REUPLOAD,
    "timeout": "检查该 PDF 时超时或内存超限（文件可能已损坏或过于复杂）。" + REUPLOAD,
    "missing": "服务器缺少读取该 PDF 所需的组件（cryptography），请联系系统管理员。",
}


def check_parts(parts: list[Part], workdir: Path, seconds: tuple[float, float]) -> None:
    """Page counts of the parts' PDFs; a file pypdf cannot read cleanly becomes a problem."""
    todo = [p for p in parts if p.pdf is not None and p.problem is None]
    paths = [p.pdf for p in todo if p.pdf is not None]
    for part, verdict in zip(todo, check_pdfs(paths, workdir, seconds), strict=True):
        pages = verdict.get("pages")
        if isinstance(pages, int):
            part.pages = pages
        else:
            reason = REASONS.get(str(verdict.get("error")), REASONS["corrupt"])
            part.problem = reason.format(page=verdict.get("page"))
            part.pdf = None


def check_pdfs(paths: list[Path], workdir: Path, seconds: tuple[float, float]) -> list[Verdict]:
    """One verdict per path, in order: {"pages": n} or {"error": code[, "page": k]}.

    A run may take ``seconds[0]`` plus ``seconds[1]`` per file (~1 ms per page when healthy).
    """
    verdicts: list[Verdict] = []
    while len(verdicts) < len(paths):
        remaining = paths[len(verdicts):][:CHECK_CHUNK]
        progress = workdir / f"check-{len(verdicts)}.jsonl"
        deadline = Deadline(seconds[0] + seconds[1] * len(remaining))
        try:
            stderr = run_pypdf(["check", str(progress), *map(str, remaining)], deadline,
                               memory=CHECK_MEMORY).stderr
        except ExtractionError:
            stderr = "timeout"  # the progress file says how far it got
        done = _read_verdicts(progress)[:len(remaining)]
        verdicts.extend(done)
        if len(done) < len(remaining):  # killed or crashed on the next file
            log.warning("PDF 检查中断于 %s：%s", remaining[len(done)].name, stderr[-500:])
            verdicts.append({"error": "timeout"})
    return verdicts


def _read_verdicts(path: Path) -> list[Verdict]:
    if not path.exists():
        return []
    verdicts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            verdicts.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut short by a kill
    return verdicts
