"""A teacher corrects an item's fields (title, date, per-kind information) after uploading.

Allowed to the owner until the school has selected the item or verified its evidence: after that
the counted record is frozen and a correction goes through the school (issue #15 point 1).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden
from ...models import AuditEvent, IndexOutbox, Item, User
from ...vocabulary import Action, Kind, Verification
from ..checks.locks import require_unlocked
from ..settings import Settings
from ..submitted import check_activity_link
from .form import ItemForm, validate_form


def edit_details(session: Session, settings: Settings, actor: User, item: Item,
                 form: ItemForm) -> None:
    """Replace the item's title, subtype, completion date and metadata with the form's."""
    if item.owner_id != actor.id:
        raise Forbidden("只能修改自己的成果信息。")
    if item.selected_version_id is not None or item.verification == Verification.GRANTED:
        raise AppError("item_frozen", "该成果已被学校筛选入册或核验，信息不能再修改；"
                       "如需更正，请联系学校管理员退回后再改。", 409)
    require_unlocked(session, item.owner_id, item.term)  # its term's bag was handed in
    form.kind = item.kind
    if item.kind == Kind.PAPER and isinstance(form.metadata, dict):
        form.metadata = {k: v for k, v in form.metadata.items() if k != "recognitions"}
    completed, details, _ = validate_form(form, settings.today(), settings.rules)
    check_activity_link(session, actor, item.kind, details)
    require_unlocked(session, item.owner_id, settings.term_of(completed))  # nor moved into one
    item.title, item.subtype = form.title, form.subtype
    item.completion_date = completed
    item.academic_year, item.term = settings.year_of(completed), settings.term_of(completed)
    item.details = details
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.EDIT,
                           details={"title": form.title}))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()
