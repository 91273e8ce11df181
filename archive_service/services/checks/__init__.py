"""学期检查: an inspector's term check of a school (or every school in scope).

``opening`` draws a reproducible, stratified sample of each teacher's live items of the term
(``sample`` is pure), ``marking`` records the marks, the teachers' results, closing and
reopening, ``view`` shows the check (a teacher sees only their own line) and ``access`` says who
may see and run it, ``records`` writes the check records (XLSX, PDF).
"""

from .access import is_checker, require_checker, visible_check
from .bag import term_bag
from .locks import bag_lock, hand_in, require_unlocked, unlock
from .marking import close_check, mark_item, reopen_check, set_teacher_result
from .opening import CheckRequest, open_check
from .records import check_pdf, check_xlsx, school_for_pdf
from .view import check_dict, list_checks, sample_ids, summary

__all__ = ["CheckRequest", "bag_lock", "check_dict", "check_pdf", "check_xlsx", "close_check",
           "hand_in", "is_checker", "list_checks", "mark_item", "open_check", "reopen_check",
           "require_checker", "require_unlocked", "sample_ids", "school_for_pdf",
           "set_teacher_result", "summary", "term_bag", "unlock", "visible_check"]
