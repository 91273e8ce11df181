"""Records a teacher submits beside the portfolio: external training and public lessons.

- 集中培训 (第19条(2)): 「由培训单位出示证明，本人交学习心得，予以登记学时，未注明学时的按实际
  活动天数每天计8学时。参加国省市县组织的远程网络培训，按培训机构的证件登记学时」 —
  the certificate's hours, else days × ``hours_per_day``; online training needs the
  certificate's hours; the certificate (and, if the rules say so, the 学习心得) must be there.
- 公开课/示范课 (第19条(3)): 「需提交教学设计、说课稿和课后反思，登记教学课题，计4学时」.

Both then pass the verification gate (``verification.py``) when the rules list their source.
"""

from __future__ import annotations

import math
from datetime import date

from ..vocabulary import LESSON_DOCUMENTS, Code, Source, TrainingMode
from .candidates import fmt_hours
from .config import Rules
from .facts import ExternalTrainingFacts, LedgerLine, PublicLessonFacts
from .verification import verified
from .years import term_of, year_of


def _line(source: Source, ref_id: int, title: str, when: date, rules: Rules, code: Code,
          hours: float, reason: str, rule: str, **numbers: object) -> LedgerLine:
    return LedgerLine(source=source, ref_id=ref_id, title=title, date=when,
                      year=year_of(when, rules), term=term_of(when, rules), code=code,
                      hours=round(hours, 2), reason=reason, rule=rule, numbers=dict(numbers))


def _positive(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _training_hours(t: ExternalTrainingFacts, rules: Rules) -> tuple[float | None, str]:
    """The hours and how they were found, or (None, why not)."""
    external = rules.ledger.external_training
    certified = _positive(t.certified_hours)
    if certified is not None:
        return certified, f"按证书登记 {fmt_hours(certified)} 学时"
    if t.mode == TrainingMode.ONLINE and external.online_requires_certified_hours:
        return None, "远程网络培训须按培训机构的证书登记学时，证书未注明学时"
    days = _positive(t.days)
    if days is None and t.end_date >= t.start_date:
        days = float((t.end_date - t.start_date).days + 1)
    if days is None:
        return None, "未注明学时，也没有有效的培训天数"
    hours = days * external.hours_per_day
    return hours, (f"证书未注明学时，按实际活动 {fmt_hours(days)} 天、每天 "
                   f"{fmt_hours(external.hours_per_day)} 学时计 {fmt_hours(hours)} 学时")


def external_training_line(t: ExternalTrainingFacts, rules: Rules) -> LedgerLine:
    """The decision on one external or online training."""
    external = rules.ledger.external_training
    if t.mode not in tuple(TrainingMode):
        raise ValueError(f"unknown training mode {t.mode!r} of record {t.id}")
    args = (Source.EXTERNAL_TRAINING, t.id, t.title, t.end_date, rules)
    hours, how = _training_hours(t, rules)
    if hours is None:
        return _line(*args, Code.MISSING_EVIDENCE, 0.0, how, external.rule, missing=["hours"])
    needs = {"certificate": ("培训证明", t.has_certificate),
             "study_notes": ("学习心得", t.has_study_notes or not external.requires_study_notes)}
    missing = [key for key, (_, there) in needs.items() if not there]
    if missing:
        reason = f"缺少{'、'.join(needs[k][0] for k in missing)}，补交后{how}"
        return _line(*args, Code.MISSING_EVIDENCE, 0.0, reason, external.rule, missing=missing,
                     would_earn=round(hours, 2))
    line = _line(*args, Code.COUNTED, hours, how, external.rule, mode=t.mode,
                 certified_hours=t.certified_hours, days=t.days)
    return verified(line, t.verification, t.refusal_reason, rules)


def public_lesson_line(lesson: PublicLessonFacts, rules: Rules) -> LedgerLine:
    """4 h once the 教学设计, 说课稿 and 课后反思 are all there and the topic is registered."""
    public = rules.ledger.public_lesson
    title = lesson.lesson_title.strip()
    args = (Source.PUBLIC_LESSON, lesson.id, title, lesson.date, rules)
    if not title:
        return _line(*args, Code.MISSING_METADATA, 0.0, "公开课/示范课缺少教学课题（须登记课题）",
                     public.rule, field="lesson_title")
    missing = [key for key in LESSON_DOCUMENTS if key not in lesson.documents]
    if missing:
        names = "、".join(LESSON_DOCUMENTS[k] for k in missing)
        reason = f"缺少{names}，三项材料齐全后计 {fmt_hours(public.hours)} 学时"
        return _line(*args, Code.MISSING_EVIDENCE, 0.0, reason, public.rule, missing=missing,
                     would_earn=public.hours)
    reason = f"《{title}》：教学设计、说课稿和课后反思齐全，计 {fmt_hours(public.hours)} 学时"
    line = _line(*args, Code.COUNTED, public.hours, reason, public.rule)
    return verified(line, lesson.verification, lesson.refusal_reason, rules)
