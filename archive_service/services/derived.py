"""Values stored at upload that depend on the rules file: 字数 (which parts count, CJK
punctuation or not, the counting-rule version) and the academic year (the year's start date).
When a school changes those rules, or a new release changes how 字数 is counted, the stored
values are recomputed once, at start-up, from the stored text and dates.

Versions stored before the parts of a document were told apart (``text_parts`` NULL) are Word
files whose text mixes headers, footers and body: their original is read again from the object
store and extracted anew, when a store is at hand (``archive serve``); until then they keep
being counted from their whole text.  Counts a reviewer confirmed by hand are never changed.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import ObjectStore, StorageError

from ..extract import DOC_MIME, DOCX_MIME, Extraction, ExtractionError, extract
from ..models import IndexOutbox, Item, ItemVersion, Setting
from ..rules import minhash
from ..rules.charcount import COUNTING_RULES_VERSION, Part
from .counting import measure, recount
from .settings import Settings

STAMP_KEY = "derived_values_rules"
WORD_MIMES = (DOCX_MIME, DOC_MIME)
log = logging.getLogger(__name__)


def rules_stamp(settings: Settings) -> str:
    rules = settings.rules
    return (f"punctuation={rules.count_cjk_punctuation};"
            f"year_start={rules.year_start_month}-{rules.year_start_day};"
            f"second_term={rules.ledger.terms.second_start_month}-"
            f"{rules.ledger.terms.second_start_day};"
            f"counting={COUNTING_RULES_VERSION};"
            f"notes_and_textboxes={rules.count_notes_and_textboxes}")


def refresh_derived(session: Session, settings: Settings, store: ObjectStore | None = None) -> int:
    """Re-extract versions stored without parts (when ``store`` is given), then recompute counts
    and years if the rules they follow changed; returns items touched."""
    touched = reextract_unparted(session, settings, store) if store is not None else set()
    stamp = rules_stamp(settings)
    row = session.get(Setting, STAMP_KEY)
    if row is None or row.value != stamp:
        touched |= _recount(session, settings) | _reyear(session, settings)
        if row is None:
            session.add(Setting(key=STAMP_KEY, value=stamp))
        else:
            row.value = stamp
    session.add_all(IndexOutbox(item_id=i) for i in sorted(touched))
    session.flush()
    return len(touched)


def _recount(session: Session, settings: Settings) -> set[int]:
    """Counts a reviewer confirmed by hand are kept; every other count follows the rules.

    A version whose stored text was cut (``text_cut_at``) keeps its count: the stored prefix
    cannot give the whole text's count."""
    touched = set()
    rows = session.execute(select(ItemVersion.id, ItemVersion.item_id, ItemVersion.text,
                                  ItemVersion.text_parts, ItemVersion.mime, ItemVersion.char_count,
                                  ItemVersion.count_confirmed, ItemVersion.count_detail)
                           .where(ItemVersion.text_cut_at.is_(None))).all()
    for version_id, item_id, text, segments, mime, old, confirmed, detail in rows:
        new, parts = recount(text or "", segments, settings.rules)
        version = session.get(ItemVersion, version_id)
        if version is None:  # selected a moment ago in this transaction
            raise LookupError(f"item version {version_id} vanished during the recount")
        if segments is None and mime not in WORD_MIMES:  # a PDF's text is all body
            version.text_parts = segments = []
        if segments is not None:  # a Word file's parts are known once it is re-extracted
            version.count_detail = {**(detail or {}), "parts": parts}
        if new != old and not confirmed:
            version.char_count = new
            touched.add(item_id)
    return touched


def reextract_unparted(session: Session, settings: Settings, store: ObjectStore) -> set[int]:
    """Extract again the Word originals stored before parts were told apart."""
    touched = set()
    versions = session.scalars(select(ItemVersion).where(
        ItemVersion.text_parts.is_(None), ItemVersion.mime.in_(WORD_MIMES))).all()
    for version in versions:
        try:
            result = _extract_stored(store, version)
        except StorageError:
            log.warning("原件暂时无法读取，字数稍后重算：版本 %s", version.id)
            continue
        except ExtractionError:  # unreadable now: keep its text, counted as body as before
            version.text_parts = [[Part.BODY.value, len(version.text or "")]]
            continue
        char_count, detail = measure(result, settings.rules)
        version.text, version.count_detail = result.text, detail
        version.text_parts = [list(seg) for seg in result.segments]
        version.fingerprint = list(minhash(result.text))
        if not version.count_confirmed:
            version.char_count = char_count
        touched.add(version.item_id)
    session.flush()
    return touched


def _extract_stored(store: ObjectStore, version: ItemVersion) -> Extraction:
    with tempfile.TemporaryDirectory(prefix="archive-recount-") as tmp:
        path = Path(tmp) / "original"
        with path.open("wb") as fh:
            for chunk in store.open(version.object_key):
                fh.write(chunk)
        return extract(path, version.original_filename, ocr=False)


def _reyear(session: Session, settings: Settings) -> set[int]:
    """The academic year and the 学期 of every item, by the rules' boundaries."""
    touched = set()
    for item in session.scalars(select(Item)):
        year = settings.year_of(item.completion_date)
        if year != item.academic_year:
            item.academic_year = year
            touched.add(item.id)
        item.term = settings.term_of(item.completion_date)  # not indexed: no outbox entry
    return touched
