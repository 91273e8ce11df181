"""The credit-hour rules (学时认定): pure Python, no Flask, SQLAlchemy, minio or Whoosh.

- ``load_rules`` / ``Rules`` / ``RulesError``: the school's rules file over the defaults;
- ``decide_teacher``: one teacher's items → the register of decisions and hours per year
  (``engine.py``; its checks in ``fields``, ``duplicates``, ``candidates``, ``papers``, ``limits``);
- ``academic_year`` / ``cycle_years`` / ``home_year``: 学年 and 五年一轮 (``years.py``);
- ``decide_school`` / ``assess``: the whole 学时台账 — activities with attendance, external
  training, public lessons, the exam, verification, terms and the year's 合格/不合格
  (``ledger.py``; its sources in ``activities``, ``submitted``, ``exam``, ``verification``);
- ``count_chars``: 字数 as Word/WPS count it; ``minhash`` / ``similarity``: near-duplicates.
"""

from ..vocabulary import KINDS
from .charcount import count_chars
from .config import LimitGroup, Rules, RulesError, load_rules
from .engine import decide_teacher
from .exam import exam_lines
from .facts import (
    ALREADY_COUNTED,
    AWAITING_SELECTION,
    COUNTED,
    DUPLICATE,
    MISSING_METADATA,
    NEEDS_REVIEW,
    NO_RECOGNITION,
    OVER_ANNUAL_LIMIT,
    RETURNED,
    TOO_SHORT,
    ActivityFacts,
    Assessment,
    AttendanceFacts,
    Decision,
    ExamScore,
    ExternalTrainingFacts,
    ItemFacts,
    LedgerLine,
    LedgerYear,
    PublicLessonFacts,
    Recognition,
    TeacherRegister,
    YearResult,
)
from .fields import length_threshold
from .fingerprint import minhash, similarity
from .ledger import assess, decide_school, ledger_year
from .papers import describe_recognition
from .years import academic_year, cycle_years, home_year, term_of, term_zh

__all__ = [
    "ALREADY_COUNTED", "AWAITING_SELECTION", "COUNTED", "DUPLICATE", "KINDS", "MISSING_METADATA",
    "NEEDS_REVIEW", "NO_RECOGNITION", "OVER_ANNUAL_LIMIT", "RETURNED", "TOO_SHORT",
    "Decision", "ItemFacts", "LimitGroup", "Recognition", "Rules", "RulesError",
    "TeacherRegister", "YearResult", "academic_year", "count_chars", "cycle_years",
    "decide_teacher", "describe_recognition", "home_year", "length_threshold", "load_rules", "minhash", "similarity",
    "ActivityFacts", "Assessment", "AttendanceFacts", "ExamScore", "ExternalTrainingFacts",
    "LedgerLine", "LedgerYear", "PublicLessonFacts", "assess", "decide_school", "exam_lines",
    "ledger_year", "term_of", "term_zh",
]
