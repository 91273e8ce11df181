"""Remove active content (JavaScript, automatic and launch actions, embedded files, XFA, media)
from a PDF the service produces, keeping pages, text, bookmarks and internal links."""

from __future__ import annotations

from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

SAFE_ACTIONS = {"/GoTo", "/URI", "/Named"}
DROP_ANNOTS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
ROOT_KEYS = ("/OpenAction", "/AA")
NAME_TREES = ("/JavaScript", "/EmbeddedFiles")


def _obj(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _safe_action(action: Any) -> bool:
    action = _obj(action)
    return isinstance(action, DictionaryObject) and action.get("/S") in SAFE_ACTIONS \
        and "/Next" not in action


def _clean_annots(page: DictionaryObject) -> None:
    annots = _obj(page.get("/Annots"))
    if not isinstance(annots, ArrayObject):
        return
    kept = ArrayObject()
    for ref in annots:
        annot = _obj(ref)
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") in DROP_ANNOTS:
            continue
        if "/A" in annot and not _safe_action(annot["/A"]):
            del annot[NameObject("/A")]
        annot.pop(NameObject("/AA"), None)
        kept.append(ref)
    page[NameObject("/Annots")] = kept


def strip_active(writer: PdfWriter) -> None:
    root = writer.root_object
    for key in ROOT_KEYS:
        root.pop(NameObject(key), None)
    names = _obj(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key in NAME_TREES:
            names.pop(NameObject(key), None)
    form = _obj(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject):
        form.pop(NameObject("/XFA"), None)
    for page in writer.pages:
        page.pop(NameObject("/AA"), None)
        _clean_annots(page)
