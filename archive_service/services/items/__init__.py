"""Items: staging and form validation before anything is stored, then the writes.

``form`` checks the teacher's fields and extracts the file; ``writes`` stores the file and
commits the rows (upload, replace) or only flushes (delete).
"""

from .edit import edit_details
from .form import ItemForm, Prepared, prepare, validate_form
from .writes import insert_item, replace_file, require_uploader, soft_delete, upload, upload_once

__all__ = ["ItemForm", "edit_details", "Prepared", "insert_item", "prepare", "replace_file", "require_uploader",
           "soft_delete", "upload", "upload_once", "validate_form"]
