"""装订成册: one PDF of a school's selected items for an academic year.

The regulation counts reflections and (unit) lesson designs only "以学校筛选后装订成册为准"; this
package binds the frozen, selected version of each such item behind a cover and a contents page.

Steps, all inside a private temp dir (nothing reaches ``out_path`` until the file is complete):

1. ``select``: the selected versions, ordered by teacher name, kind, item id;
2. ``sources``: each original from the object store, Word files converted to PDF with LibreOffice
   (``extract.office``: several files per run, then one by one for any that did not come out);
3. ``verify``: every PDF checked page by page with pypdf in a time- and memory-limited subprocess;
4. ``pages``/``contents``: the contents laid out (its page count fixes every start page), cover,
   contents and one explanatory page per item that could not be bound (fpdf2, CJK font);
5. ``assemble``: merged with pypdf, page numbers stamped (``stamp``), bookmarks and contents links,
   written to a temp file and renamed.

An item that cannot be bound is never dropped: it gets a placeholder page naming it and the
reason, is marked in the contents and is listed in ``CollectionResult.problems``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from storage import ObjectStore

from ...errors import AppError, Forbidden, NotFound
from ...models import School, User
from ..accounts import find_school
from ..scope import all_schools, require_admin
from ..scoped_register import check_year
from ..settings import Settings
from . import verify
from .assemble import assemble, write_atomically
from .draw import cjk_font
from .model import CollectionItem, CollectionResult
from .pages import render_front
from .select import load_parts
from .sources import fetch_and_convert

__all__ = ["CHECK_SECONDS", "CollectionItem", "CollectionResult", "build_collection", "check_pdfs",
           "collection_target"]

CHECK_SECONDS = (15.0, 2.0)  # checker run: base + per file (~1 ms per page when healthy)


def collection_target(session: Session, actor: User, year: str, school_ref: str | int
                      ) -> tuple[int, str]:
    """The school and year whose collection an admin asks for: a year is required; the
    school is the admin's own unless they see every school."""
    require_admin(actor)
    if not year.strip():
        raise AppError("year_required", "请指定学年，例如 year=2025-2026。")
    ref = school_ref.strip() if isinstance(school_ref, str) else school_ref
    return _collection_school(session, actor, ref), check_year(year.strip())


def _collection_school(session: Session, actor: User, ref: str | int) -> int:
    if not ref:
        if actor.school_id is None:
            raise AppError("school_required", "请指定学校（school=学校名称，或 school_id=学校编号）。")
        return actor.school_id
    school = find_school(session, ref)
    if school is None:
        raise AppError("unknown_school", f"学校「{ref}」不存在。", 404)
    if not all_schools(actor) and school.id != actor.school_id:
        raise Forbidden("您只能导出本校的成果集。")
    return school.id


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
        verify.check_parts(parts, workdir, CHECK_SECONDS)
        generated = workdir / "generated.pdf"
        layout = render_front(font, school.name, year, settings.rules.selection_rule, parts, generated)
        return write_atomically(out_path, lambda target: assemble(parts, generated, layout, target))


def check_pdfs(paths: list[Path], workdir: Path) -> list[dict[str, object]]:
    """One verdict per path, in order: {"pages": n} or {"error": code[, "page": k]}."""
    return verify.check_pdfs(paths, workdir, CHECK_SECONDS)
