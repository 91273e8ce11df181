"""装订成册: one PDF of a school's selected items for an academic year.

The regulation counts reflections and (unit) lesson designs only "以学校筛选后装订成册为准"; this
module binds the frozen, selected version of each such item behind a cover and a contents page.

Steps, all inside a private temp dir (nothing reaches ``out_path`` until the file is complete):

1. read the selected versions from the database, ordered by teacher name, kind, item id;
2. fetch each original from the object store; convert Word files with LibreOffice (a private
   profile per build; several files per run, then one by one for any that did not come out);
3. check every PDF in a time- and memory-limited subprocess with pypdf (the library that merges
   them), page by page: a content stream that cannot be decoded makes pypdf warn and then
   silently merge a blank page, so such a file is refused here instead;
4. lay out the contents (its page count fixes every start page), render cover, contents and one
   explanatory page per item that could not be bound (fpdf2 with a CJK font);
5. merge with pypdf, stamp page numbers, add bookmarks and contents links, write, rename.

An item that cannot be bound is never dropped: it gets a placeholder page naming it and the
reason, is marked in the contents and is listed in ``CollectionResult.problems``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from storage import ObjectNotFound, ObjectStore, StorageError

from ..errors import AppError, NotFound
from ..extract.model import DOC_MIME, DOCX_MIME, PDF_MIME, ExtractionError
from ..extract.sandbox import Deadline, run
from ..extract.tools import soffice, which
from ..models import Item, ItemVersion, School, User
from .metadata import KIND_NAMES
from .settings import Settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
SOFFICE_MEMORY = 4096 * MB
CHECK_MEMORY = 2048 * MB
BATCH_SIZE = 8  # Word files per LibreOffice run (one start-up shared by several files)
BATCH_SECONDS = (30.0, 15.0)  # LibreOffice run: base + per file
SINGLE_SECONDS = 60.0  # one file on its own, after its batch did not produce it
CHECK_CHUNK = 20  # PDFs per checker run (a hang costs at most one run's time limit)
CHECK_SECONDS = (15.0, 2.0)  # checker run: base + per file (~1 ms per page when healthy)
WORD_SUFFIX = {DOCX_MIME: ".docx", DOC_MIME: ".doc"}

# Page geometry of the generated pages (mm, A4).
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 20.0
KIND_W, NUM_W, GAP = 40.0, 14.0, 3.0
TITLE_W = PAGE_W - 2 * MARGIN - KIND_W - NUM_W - GAP
LINE_H, NOTE_H, TEACHER_H, ROW_GAP, HEADING_H = 6.0, 5.0, 10.0, 1.5, 18.0
PT_PER_MM = 72 / 25.4
STAMP_FONT = "/ArchiveCollectionPageNo"

REUPLOAD = "请教师重新导出 PDF，上传为新版本后重新入册。"
REASONS = {
    "encrypted": "PDF 设有打开密码，无法读取。" + REUPLOAD,
    "corrupt": "PDF 文件已损坏，无法读取。" + REUPLOAD,
    "empty": "PDF 中没有任何页面。" + REUPLOAD,
    "page": "PDF 第 {page} 页已损坏（页面内容无法解码），为免装订出空白页，整篇未收录。" + REUPLOAD,
    "timeout": "检查该 PDF 时超时或内存超限（文件可能已损坏或过于复杂）。" + REUPLOAD,
    "missing": "服务器缺少读取该 PDF 所需的组件（cryptography），请联系系统管理员。",
}
NO_CONVERSION = ("Word 文件无法转换为 PDF（LibreOffice 转换失败或超时，文件可能已损坏）。"
                 "请教师在 Word/WPS 中另存为 PDF，上传为新版本后重新入册。")


@dataclass(frozen=True)
class CollectionItem:
    """One bound item: where it starts, how many pages it takes, and why it is missing if so."""

    item_id: int
    teacher: str
    kind: str
    title: str
    version_number: int
    start_page: int
    pages: int
    problem: str | None = None


@dataclass(frozen=True)
class CollectionResult:
    pages: int
    items: list[CollectionItem]
    problems: list[tuple[int, str]]


@dataclass
class _Part:
    """A selected version on its way into the book."""

    item_id: int
    owner_id: int
    teacher: str
    subject: str
    kind: str
    title: str
    version_number: int
    object_key: str
    mime: str
    filename: str
    pdf: Path | None = None
    pages: int = 0
    problem: str | None = None
    start: int = 0

    @property
    def label(self) -> str:
        return f"{self.teacher}「{self.title}」（成果编号 {self.item_id}）"


@dataclass
class _Row:
    """One contents row: a teacher heading or an item with its wrapped lines."""

    height: float
    part: _Part | None = None
    teacher: str = ""
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    y: float = 0.0


def build_collection(session: Session, store: ObjectStore, settings: Settings, school_id: int,
                     year: str, out_path: Path) -> CollectionResult:
    """Write the bound collection of ``school_id`` for ``year`` to ``out_path``."""
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("学校不存在。")
    parts = load_parts(session, settings, school_id, year)
    if not parts:
        raise AppError("collection_empty",
                       f"{school.name}{year}学年还没有筛选入册的成果，无法生成成果集。"
                       "请先在「学校筛选」中将成果入册。", 404)
    font = cjk_font()
    with tempfile.TemporaryDirectory(prefix="archive-collection-") as tmp:
        workdir = Path(tmp)
        fetch_and_convert(store, parts, workdir)
        check_parts(parts, workdir)
        generated = workdir / "generated.pdf"
        layout = render_front(font, school.name, year, settings.rules.selection_rule, parts,
                              generated)
        return _write_atomically(out_path, lambda target: assemble(parts, generated, layout,
                                                                     target))


def load_parts(session: Session, settings: Settings, school_id: int, year: str) -> list[_Part]:
    """Selected, non-deleted items of the bound kinds, in contents order."""
    kinds = list(settings.rules.selection_required)
    selected = aliased(ItemVersion)
    rows = session.execute(
        select(Item.id, User.id, User.name, User.subject, Item.kind, Item.title, selected.number,
               selected.object_key, selected.mime, selected.original_filename)
        .join(User, User.id == Item.owner_id)
        .join(selected, selected.id == Item.selected_version_id)
        .where(User.school_id == school_id, Item.academic_year == year,
               Item.deleted_at.is_(None), Item.kind.in_(kinds))
    ).all()
    parts = [_Part(*row) for row in rows]
    parts.sort(key=lambda p: (p.teacher, p.owner_id, kinds.index(p.kind), p.item_id))
    return parts


# ---- originals → PDF -------------------------------------------------------------------------

def fetch_and_convert(store: ObjectStore, parts: list[_Part], workdir: Path) -> None:
    """Every part gets ``pdf`` (its file as PDF) or ``problem``."""
    src, out = workdir / "src", workdir / "pdf"
    src.mkdir()
    out.mkdir()
    words: list[tuple[_Part, Path]] = []
    for part in parts:
        path = _fetch(store, part, src)
        if path is None:
            continue
        if part.mime == PDF_MIME:
            part.pdf = path
        else:
            words.append((part, path))
    if words:
        _convert_words(words, out, workdir / "lo-profile")


def _fetch(store: ObjectStore, part: _Part, src: Path) -> Path | None:
    suffix = ".pdf" if part.mime == PDF_MIME else WORD_SUFFIX.get(part.mime)
    if suffix is None:
        part.problem = f"不支持装订该文件类型（{part.mime}），请教师改传 PDF 或 Word 文件。"
        return None
    try:
        data = store.read_bytes(part.object_key)
    except ObjectNotFound:
        part.problem = "原件在对象存储中找不到（可能已丢失），请联系系统管理员核对（archive check）。"
        return None
    except StorageError as exc:
        raise AppError("storage_unavailable",
                       f"读取{part.label}的原件失败（存储服务不可用），请稍后再试。", 503) from exc
    path = src / f"item-{part.item_id}{suffix}"
    path.write_bytes(data)
    return path


def _convert_words(words: list[tuple[_Part, Path]], out: Path, profile: Path) -> None:
    """LibreOffice → PDF: in batches first, then one by one for whatever did not come out."""
    exe = soffice()
    if not exe:
        for part, _ in words:
            part.problem = "服务器未安装 LibreOffice，无法把 Word 文件转换为 PDF。"
        return
    for start in range(0, len(words), BATCH_SIZE):
        batch = [path for _, path in words[start:start + BATCH_SIZE]]
        seconds = BATCH_SECONDS[0] + BATCH_SECONDS[1] * len(batch)
        if not _soffice(exe, batch, out, profile, seconds):
            for path in batch:  # a killed run may leave a half-written PDF: redo them singly
                (out / f"{path.stem}.pdf").unlink(missing_ok=True)
    for part, path in words:
        target = out / f"{path.stem}.pdf"
        if not target.is_file():
            _soffice(exe, [path], out, profile, SINGLE_SECONDS)
        if target.is_file():
            part.pdf = target
        else:
            part.problem = NO_CONVERSION


def _soffice(exe: str, sources: list[Path], out: Path, profile: Path, seconds: float) -> bool:
    """One headless LibreOffice run under time and memory limits; True if it exited cleanly."""
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", "pdf", "--outdir", str(out), *map(str, sources)]
    try:
        result = run(cmd, Deadline(seconds), memory=SOFFICE_MEMORY, cwd=str(out),
                     env={"HOME": str(profile.parent)})
    except ExtractionError:
        log.warning("LibreOffice 转换超时：%s", [s.name for s in sources])
        return False
    if result.returncode != 0:
        log.warning("LibreOffice 退出码 %s：%s", result.returncode, result.stderr[-500:])
    return result.returncode == 0


# ---- PDF check (subprocess) ------------------------------------------------------------------

# Runs as ``python -I -c CHECKER RESULTS FILE...``: self-contained, so the parent can limit its
# time and memory; writes one JSON line per file as it goes, so a hang or crash names the file.
CHECKER = r"""
import json, logging, sys
try:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError
except ImportError:
    PdfReader = None

class Seen(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen = False
    def emit(self, record):
        self.seen = True

def check(path, seen):
    if PdfReader is None:
        return {"error": "missing"}
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {"error": "encrypted"}
        count = 0
        for count, page in enumerate(reader.pages, 1):
            box = page.mediabox
            if box.width <= 0 or box.height <= 0:
                return {"error": "page", "page": count}
            seen.seen = False
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()
            if seen.seen:
                return {"error": "page", "page": count}
    except DependencyError:
        return {"error": "missing"}
    except Exception:
        return {"error": "corrupt"}
    return {"pages": count} if count else {"error": "empty"}

seen = Seen()
logger = logging.getLogger("pypdf")
logger.addHandler(seen)
logger.propagate = False
with open(sys.argv[1], "a", encoding="utf-8") as out:
    for path in sys.argv[2:]:
        out.write(json.dumps(check(path, seen)) + "\n")
        out.flush()
"""


def check_parts(parts: list[_Part], workdir: Path) -> None:
    """Page counts of the PDFs; a file pypdf cannot read cleanly becomes a problem."""
    todo = [p for p in parts if p.pdf is not None and p.problem is None]
    for part, verdict in zip(todo, check_pdfs([p.pdf for p in todo if p.pdf], workdir),
                             strict=True):
        if "pages" in verdict:
            part.pages = int(verdict["pages"])
        else:
            part.problem = _reason(verdict)
            part.pdf = None


def _reason(verdict: dict[str, object]) -> str:
    reason = REASONS.get(str(verdict.get("error")), REASONS["corrupt"])
    return reason.format(page=verdict.get("page"))


def check_pdfs(paths: list[Path], workdir: Path) -> list[dict[str, object]]:
    """One verdict per path, in order: {"pages": n} or {"error": code[, "page": k]}."""
    verdicts: list[dict[str, object]] = []
    while len(verdicts) < len(paths):
        remaining = paths[len(verdicts):][:CHECK_CHUNK]
        progress = workdir / f"check-{len(verdicts)}.jsonl"
        seconds = CHECK_SECONDS[0] + CHECK_SECONDS[1] * len(remaining)
        cmd = [sys.executable, "-I", "-c", CHECKER, str(progress), *map(str, remaining)]
        try:
            stderr = run(cmd, Deadline(seconds), memory=CHECK_MEMORY).stderr
        except ExtractionError:
            stderr = "timeout"  # the progress file says how far it got
        done = _read_verdicts(progress)[:len(remaining)]
        verdicts.extend(done)
        if len(done) < len(remaining):  # killed or crashed on the next file
            log.warning("PDF 检查中断于 %s：%s", remaining[len(done)].name, stderr[-500:])
            verdicts.append({"error": "timeout"})
    return verdicts


def _read_verdicts(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    verdicts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            verdicts.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut short by a kill
    return verdicts


# ---- cover, contents, placeholders (fpdf2) ---------------------------------------------------

@dataclass(frozen=True)
class FontFile:
    path: str
    index: int


@cache
def cjk_font() -> FontFile:
    """A Simplified-Chinese font file (fontconfig), Noto Sans CJK SC preferred."""
    found: list[tuple[int, FontFile]] = []
    for line in _fc_list(":lang=zh-cn"):
        path, _, rest = line.partition("|")
        index, _, rest = rest.partition("|")
        if path.lower().endswith((".ttf", ".ttc", ".otf")) and index.isdigit():
            found.append((_font_rank(rest), FontFile(path, int(index))))
    if not found:
        raise AppError("font_unavailable", "服务器缺少中文字体（请安装 fonts-noto-cjk），"
                       "无法生成成果集。", 503)
    return min(found, key=lambda f: f[0])[1]


def _fc_list(pattern: str) -> list[str]:
    """``file|index|family|style`` of the fonts fontconfig knows for ``pattern``."""
    exe = which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "-f", "%{file}|%{index}|%{family}|%{style}\n", pattern],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return out.stdout.splitlines()


def _font_rank(family_style: str) -> int:
    rank = 0 if "Sans CJK SC" in family_style else 1 if " SC" in family_style else 2
    return rank * 2 + (0 if "Regular" in family_style else 1)


@dataclass(frozen=True)
class FrontLayout:
    """Page indexes (0-based) in the generated PDF and the contents rows' link areas."""

    title: str
    front_pages: int  # cover + contents
    placeholder_page: dict[int, int]  # item id → page index in the generated PDF
    links: list[tuple[int, float, float, int]]  # (contents page index, y mm, height mm, item)


def render_front(font: FontFile, school: str, year: str, rule: str, parts: list[_Part],
                 out: Path) -> FrontLayout:
    """Cover, contents and placeholder pages; sets every part's start page."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
    pages = _paginate(_contents_rows(pdf, parts))
    page = 1 + len(pages) + 1
    for part in parts:
        part.start = page
        page += part.pages if part.problem is None else 1
    _cover(pdf, school, year, rule, parts)
    links = _contents(pdf, pages)
    placeholders = {}
    for part in parts:
        if part.problem is not None:
            placeholders[part.item_id] = pdf.page_no()
            _placeholder(pdf, part, year)
    pdf.output(str(out))
    return FrontLayout(f"{school} {year}学年 校本研修成果集", 1 + len(pages), placeholders, links)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (breaks anywhere: titles are mostly Chinese)."""
    lines, line, used = [], "", 0.0
    for char in " ".join(text.split()):
        w = pdf.get_string_width(char)
        if line and used + w > width:
            lines.append(line)
            line, used = char.lstrip(), pdf.get_string_width(char.lstrip())
        else:
            line, used = line + char, used + w
    return lines + [line] if line else lines or [""]


def _contents_rows(pdf: FPDF, parts: list[_Part]) -> list[_Row]:
    rows: list[_Row] = []
    owner = None
    for part in parts:
        if part.owner_id != owner:
            owner = part.owner_id
            heading = part.teacher + (f"（{part.subject}）" if part.subject else "")
            rows.append(_Row(TEACHER_H, teacher=heading))
        pdf.set_font("cjk", size=10.5)
        lines = _wrap(pdf, part.title, TITLE_W)
        notes: list[str] = []
        if part.problem:
            pdf.set_font("cjk", size=9)
            notes = _wrap(pdf, f"【未能收录】{part.problem}", TITLE_W)
        rows.append(_Row(LINE_H * len(lines) + NOTE_H * len(notes) + ROW_GAP, part, lines=lines,
                         notes=notes))
    return rows


def _paginate(rows: list[_Row]) -> list[list[_Row]]:
    """Rows per contents page; a teacher heading never ends a page."""
    pages: list[list[_Row]] = [[]]
    y = MARGIN + HEADING_H
    bottom = PAGE_H - MARGIN
    for index, row in enumerate(rows):
        need = row.height
        if row.part is None and index + 1 < len(rows):
            need += rows[index + 1].height
        if pages[-1] and y + need > bottom:
            pages.append([])
            y = MARGIN
        row.y = y
        pages[-1].append(row)
        y += row.height
    return pages


def _cover(pdf: FPDF, school: str, year: str, rule: str, parts: list[_Part]) -> None:
    pdf.add_page()
    teachers = len({p.owner_id for p in parts})
    problems = sum(1 for p in parts if p.problem)
    _centered(pdf, 88, 26, school)
    _centered(pdf, 108, 22, f"{year}学年 校本研修成果集")
    _centered(pdf, 130, 12, f"共收录 {teachers} 位教师的 {len(parts)} 篇成果")
    if problems:
        pdf.set_text_color(180, 0, 0)
        _centered(pdf, 139, 11, f"其中 {problems} 篇未能装订，已以说明页代替（见目录）")
        pdf.set_text_color(0, 0, 0)
    pdf.set_text_color(90, 90, 90)
    _centered(pdf, 240, 10, f"依据：{rule}")
    pdf.set_text_color(0, 0, 0)
    today = date.today()
    _centered(pdf, 250, 12, f"生成日期：{today.year}年{today.month}月{today.day}日")


def _centered(pdf: FPDF, y: float, size: float, text: str) -> None:
    pdf.set_font("cjk", size=size)
    pdf.set_xy(MARGIN, y)
    pdf.cell(PAGE_W - 2 * MARGIN, size * 0.5, text, align="C")


def _contents(pdf: FPDF, pages: list[list[_Row]]) -> list[tuple[int, float, float, int]]:
    links = []
    for number, rows in enumerate(pages):
        pdf.add_page()
        if number == 0:
            _centered(pdf, MARGIN, 18, "目　　录")
        for row in rows:
            if row.part is None:
                pdf.set_font("cjk", size=12)
                pdf.set_xy(MARGIN, row.y + 3)
                pdf.cell(PAGE_W - 2 * MARGIN, 6, row.teacher)
            else:
                _contents_item(pdf, row)
                links.append((pdf.page_no() - 1, row.y, row.height, row.part.item_id))
    return links


def _contents_item(pdf: FPDF, row: _Row) -> None:
    part = row.part
    assert part is not None
    left, y = MARGIN + 4, row.y
    pdf.set_font("cjk", size=10.5)
    pdf.set_xy(left, y)
    pdf.cell(KIND_W - 4, LINE_H, KIND_NAMES.get(part.kind, part.kind))
    for line in row.lines:
        pdf.set_xy(MARGIN + KIND_W, y)
        pdf.cell(TITLE_W, LINE_H, line)
        y += LINE_H
    end = MARGIN + KIND_W + pdf.get_string_width(row.lines[-1]) + 2
    number_x = PAGE_W - MARGIN - NUM_W
    if end < number_x - 2:
        pdf.set_draw_color(150, 150, 150)
        pdf.set_dash_pattern(dash=0.4, gap=1.2)
        pdf.line(end, y - 1.6, number_x + 2, y - 1.6)
        pdf.set_dash_pattern()
    pdf.set_xy(number_x, y - LINE_H)
    pdf.cell(NUM_W, LINE_H, str(part.start), align="R")
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(180, 0, 0)
    for line in row.notes:
        pdf.set_xy(MARGIN + KIND_W, y)
        pdf.cell(TITLE_W, NOTE_H, line)
        y += NOTE_H
    pdf.set_text_color(0, 0, 0)


def _placeholder(pdf: FPDF, part: _Part, year: str) -> None:
    pdf.add_page()
    _centered(pdf, 40, 20, "未能收录的成果")
    pdf.set_text_color(180, 0, 0)
    _centered(pdf, 54, 11, "此页代替下列成果：原件无法装订，详见原因")
    pdf.set_text_color(0, 0, 0)
    fields = [("教师", part.teacher), ("学年", year),
              ("成果类型", KIND_NAMES.get(part.kind, part.kind)), ("标题", part.title),
              ("成果编号", str(part.item_id)),
              ("入册版本", f"第 {part.version_number} 版（{part.filename}）"),
              ("原因", part.problem or "")]
    y = 74.0
    for label, value in fields:
        pdf.set_font("cjk", size=11)
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(26, 7, label)
        lines = _wrap(pdf, value[:600], PAGE_W - 2 * MARGIN - 46)
        for line in lines:
            pdf.set_xy(MARGIN + 36, y)
            pdf.cell(PAGE_W - 2 * MARGIN - 46, 7, line)
            y += 7
        y += 3
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(90, 90, 90)
    for line in _wrap(pdf, "原件仍完整保存在档案系统中，可在成果详情页查看和下载。"
                      "处理后请重新生成成果集。", PAGE_W - 2 * MARGIN - 20):
        y += 6
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(PAGE_W - 2 * MARGIN - 20, 6, line)
    pdf.set_text_color(0, 0, 0)


# ---- merge -----------------------------------------------------------------------------------

def _write_atomically(out_path: Path, write: Callable[[Path], CollectionResult]
                      ) -> CollectionResult:
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


def assemble(parts: list[_Part], generated: Path, layout: FrontLayout, out: Path
             ) -> CollectionResult:
    """Merge front matter and parts, number the pages, add bookmarks and contents links."""
    writer = PdfWriter()
    front = PdfReader(generated)
    writer.append(front, pages=list(range(layout.front_pages)), import_outline=False)
    for part in parts:
        _append_part(writer, front, layout, part)
    _stamp_numbers(writer)
    _outline(writer, parts)
    for page_index, y, height, item_id in layout.links:
        target = next(p.start for p in parts if p.item_id == item_id)
        writer.add_annotation(page_index, _link(writer, page_index, y, height, target - 1))
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": layout.title, "/Creator": "校本研修档案（装订成册）"})
    with out.open("wb") as handle:
        writer.write(handle)
    items = [CollectionItem(p.item_id, p.teacher, p.kind, p.title, p.version_number, p.start,
                            p.pages if p.problem is None else 1, p.problem) for p in parts]
    return CollectionResult(len(writer.pages), items,
                            [(p.item_id, p.problem) for p in parts if p.problem])


def _append_part(writer: PdfWriter, front: PdfReader, layout: FrontLayout, part: _Part) -> None:
    if part.problem is not None:
        writer.append(front, pages=[layout.placeholder_page[part.item_id]],
                      import_outline=False)
    else:
        assert part.pdf is not None
        try:
            reader = PdfReader(part.pdf, strict=False)
            if reader.is_encrypted:
                reader.decrypt("")
            writer.append(reader, import_outline=False)
        except Exception as exc:  # checked already; anything left fails the whole export
            raise AppError("collection_merge_failed",
                           f"合并{part.label}时出错，成果集未生成。请教师重新导出该文件"
                           "并上传新版本，或将其退回后重试。", 500) from exc
    expected = part.start - 1 + (part.pages if part.problem is None else 1)
    if len(writer.pages) != expected:
        raise AppError("collection_merge_failed",
                       f"合并{part.label}后页数与目录不符，成果集未生成。", 500)


def _stamp_numbers(writer: PdfWriter) -> None:
    """Page number at the bottom right of every page but the cover (Helvetica digits)."""
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    save = _stream(writer, b"q\n")
    for number, page in enumerate(writer.pages, start=1):
        if number == 1:
            continue
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.cropbox
        x = float(box.right) - 28 - len(str(number)) * 0.556 * 9
        y = float(box.bottom) + 20
        _page_fonts(page)[NameObject(STAMP_FONT)] = font
        stamp = f"\nQ q BT {STAMP_FONT} 9 Tf 0.3 g 1 0 0 1 {x:.2f} {y:.2f} Tm ({number}) Tj ET Q\n"
        contents = ArrayObject([save, *_content_refs(page), _stream(writer, stamp.encode())])
        page[NameObject("/Contents")] = contents


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _content_refs(page: DictionaryObject) -> Iterator[PdfObject]:
    contents = page.get("/Contents")
    if contents is None:
        return
    resolved = contents.get_object()
    if isinstance(resolved, ArrayObject):
        yield from resolved
    else:
        yield contents


def _page_fonts(page: DictionaryObject) -> DictionaryObject:
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    page[NameObject("/Resources")] = resources
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    resources[NameObject("/Font")] = fonts
    return fonts


def _outline(writer: PdfWriter, parts: list[_Part]) -> None:
    writer.add_outline_item(title="封面", page_number=0)
    writer.add_outline_item(title="目录", page_number=1)
    owner, parent = None, None
    for part in parts:
        if part.owner_id != owner:
            owner = part.owner_id
            parent = writer.add_outline_item(title=part.teacher, page_number=part.start - 1)
        mark = "【未能收录】" if part.problem else ""
        writer.add_outline_item(title=f"{mark}{KIND_NAMES.get(part.kind, part.kind)}：{part.title}",
                                page_number=part.start - 1, parent=parent)


def _link(writer: PdfWriter, page_index: int, y: float, height: float, target: int) -> Link:
    top = float(writer.pages[page_index].mediabox.top)
    rect = (MARGIN * PT_PER_MM, top - (y + height) * PT_PER_MM,
            (PAGE_W - MARGIN) * PT_PER_MM, top - y * PT_PER_MM)
    return Link(rect=rect, target_page_index=target)
