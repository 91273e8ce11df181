"""Training sessions and teaching-research activities with attendance (考勤) → ledger lines.

- 校本培训活动 (第19条(1)): each participant earns the session's hours × the rate per hour
  (「按1小时计1学时」); the lecturer the same, × the in-school-expert factor (「校内专家主讲，主讲人与
  参培者按4:1计学时」), but only once the 讲稿 is handed in (a ``lecture_notes`` item naming the
  activity; that item itself then earns nothing, see ``engine.py``: never counted twice).
- 校本教研活动 (第19条(3)): organiser and each participant 1 h (「组织者和参加者每次均计1学时」).
- 考勤 (seed 000 第7篇): present, late and early leave earn their share of the hours
  (``[attendance.hours_share]``); a leave earns nothing and costs nothing; 旷工 earns nothing and
  is counted towards the year's limit (``assessment.py``).

A teacher who lectures or organises an activity gets that line instead of a participant's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..vocabulary import (
    ACTIVITY_KINDS,
    ATTENDANCE,
    ATTENDANCE_NAMES,
    LEAVES,
    ActivityRole,
    Attendance,
    Code,
    Source,
)
from .candidates import fmt_hours
from .config import Rules
from .facts import ActivityFacts, AttendanceFacts, LedgerLine
from .years import term_of, year_of

NOTES_RULE = "第19条(1) 主讲人交讲稿，参培者交心得或会议笔记"


@dataclass
class ActivityIndex:
    """A school's activities and attendance, checked and indexed by teacher."""

    activities: dict[int, ActivityFacts]
    records: dict[int, list[AttendanceFacts]] = field(default_factory=dict)  # teacher → records
    lectured: dict[int, list[ActivityFacts]] = field(default_factory=dict)  # teacher → trainings
    organised: dict[int, list[ActivityFacts]] = field(default_factory=dict)  # teacher → activities
    # (activity id, status, notes handed in) → the participant line: it names no teacher, so
    # every participant with the same 考勤 at the same activity shares one (immutable) line.
    participant_lines: dict[tuple[int, str, bool], LedgerLine] = field(default_factory=dict)


def _check_activity(a: ActivityFacts) -> None:
    if a.kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {a.kind!r} of activity {a.id}")
    if a.kind == Source.TRAINING and (a.session_hours is None or not a.session_hours > 0):
        raise ValueError(f"training {a.id} needs session_hours > 0")


def index_activities(activities: Sequence[ActivityFacts],
                     attendance: Sequence[AttendanceFacts]) -> ActivityIndex:
    """Check the facts (unknown kinds, statuses or activities, a teacher twice) and index them."""
    index = ActivityIndex(activities={})
    for a in sorted(activities, key=lambda a: a.id):
        _check_activity(a)
        if a.id in index.activities:
            raise ValueError(f"duplicate activity id {a.id}")
        index.activities[a.id] = a
        if a.kind == Source.TRAINING and a.lecturer_id is not None:
            index.lectured.setdefault(a.lecturer_id, []).append(a)
        if a.kind == Source.RESEARCH_ACTIVITY and a.organizer_id is not None:
            index.organised.setdefault(a.organizer_id, []).append(a)
    seen: set[tuple[int, int]] = set()
    for r in sorted(attendance, key=lambda r: (r.teacher_id, r.activity_id)):
        if r.activity_id not in index.activities:
            raise ValueError(f"attendance for unknown activity {r.activity_id}")
        if r.status not in ATTENDANCE:
            raise ValueError(f"unknown attendance status {r.status!r}")
        if (r.activity_id, r.teacher_id) in seen:
            raise ValueError(f"teacher {r.teacher_id} recorded twice at activity {r.activity_id}")
        seen.add((r.activity_id, r.teacher_id))
        index.records.setdefault(r.teacher_id, []).append(r)
    return index


def _line(a: ActivityFacts, rules: Rules, code: Code, hours: float, reason: str, rule: str,
          role: str, status: str | None = None, **numbers: object) -> LedgerLine:
    return LedgerLine(source=a.kind, ref_id=a.id, title=a.title, date=a.date,
                      year=year_of(a.date, rules), term=term_of(a.date, rules), code=code,
                      hours=round(hours, 2), reason=reason, rule=rule, role=role,
                      attendance=status, numbers=dict(numbers))


def _full_hours(a: ActivityFacts, rules: Rules) -> tuple[float, str]:
    """A participant's hours for attending in full, and how they were computed."""
    if a.kind == Source.RESEARCH_ACTIVITY:
        hours = rules.ledger.research_activity.participant_hours
        return hours, f"每次计 {fmt_hours(hours)} 学时"
    rate = rules.lecture_notes.hours_per_session_hour
    session = float(a.session_hours or 0)
    hours = session * rate
    return hours, f"培训 {fmt_hours(session)} 小时，按 1 小时计 {fmt_hours(rate)} 学时"


def _rule_of(a: ActivityFacts, rules: Rules) -> str:
    if a.kind == Source.TRAINING:
        return rules.ledger.training.rule
    return rules.ledger.research_activity.rule


def participant_line(a: ActivityFacts, record: AttendanceFacts, rules: Rules) -> LedgerLine:
    """A participant's line, by the 考勤 status."""
    full, how = _full_hours(a, rules)
    status = record.status
    name = ATTENDANCE_NAMES[status]
    attendance = rules.ledger.attendance
    role = ActivityRole.PARTICIPANT
    if status == Attendance.ABSENT:
        reason = f"{name}（应参加而未请假缺席），取消本次应得 {fmt_hours(full)} 学时，记旷工一次"
        return _line(a, rules, Code.ABSENT, 0.0, reason, attendance.rule, role, status,
                     would_earn=full)
    share = attendance.share(status)
    if status in LEAVES and share == 0:
        reason = f"{name}，本次不计学时，不作旷工处理（培训内容自行后补）"
        return _line(a, rules, Code.ON_LEAVE, 0.0, reason, attendance.rule, role, status,
                     would_earn=full)
    hours = full * share
    tally = f"，记{name}一次" if status != Attendance.PRESENT else ""
    part = f"，{name}按 {fmt_hours(share)} 计" if share != 1 else ""
    reason = f"{name}{tally}；{how}{part}，计 {fmt_hours(hours)} 学时"
    training = rules.ledger.training
    if (a.kind == Source.TRAINING and training.participants_must_hand_in_notes
            and not record.notes_handed_in and hours > 0):
        reason = f"{name}{tally}；尚未上交心得或会议笔记，交后计 {fmt_hours(hours)} 学时"
        return _line(a, rules, Code.MISSING_EVIDENCE, 0.0, reason, NOTES_RULE, role, status,
                     would_earn=hours, missing=["notes"])
    return _line(a, rules, Code.COUNTED, hours, reason, _rule_of(a, rules), role, status,
                 share=share, full_hours=full)


def lecturer_line(a: ActivityFacts, rules: Rules) -> LedgerLine:
    """The lecturer's line: counted once the 讲稿 names the activity, 4:1 for an in-school expert."""
    lecture = rules.lecture_notes
    base, how = _full_hours(a, rules)
    factor = lecture.in_school_expert_factor if a.in_school_expert else 1.0
    hours = base * factor
    if a.in_school_expert:
        how += f" = {fmt_hours(base)} 学时，校内专家主讲按 {fmt_hours(factor)}:1 计 {fmt_hours(hours)} 学时"
    else:
        how += f"，计 {fmt_hours(hours)} 学时"
    role = ActivityRole.LECTURER
    if a.lecture_notes_item_id is None:
        reason = f"主讲：尚未上交专题讲稿（讲稿须注明本活动），交稿后{how}"
        return _line(a, rules, Code.MISSING_EVIDENCE, 0.0, reason, NOTES_RULE, role,
                     would_earn=round(hours, 2), missing=["lecture_notes"])
    reason = f"主讲，讲稿已交；{how}"
    return _line(a, rules, Code.COUNTED, hours, reason, lecture.rule, role,
                 session_hours=a.session_hours, factor=factor,
                 lecture_notes_item_id=a.lecture_notes_item_id)


def organizer_line(a: ActivityFacts, rules: Rules) -> LedgerLine:
    hours = rules.ledger.research_activity.organizer_hours
    reason = f"组织本次教研活动，计 {fmt_hours(hours)} 学时"
    return _line(a, rules, Code.COUNTED, hours, reason, rules.ledger.research_activity.rule,
                 ActivityRole.ORGANIZER)


def activity_lines(teacher_id: int, index: ActivityIndex, rules: Rules) -> list[LedgerLine]:
    """Every activity line of one teacher: lectures, organised activities, then attendance."""
    lines = [lecturer_line(a, rules) for a in index.lectured.get(teacher_id, [])]
    lines += [organizer_line(a, rules) for a in index.organised.get(teacher_id, [])]
    leading = {line.ref_id for line in lines}
    shared = index.participant_lines
    for record in index.records.get(teacher_id, []):
        if record.activity_id not in leading:
            key = (record.activity_id, record.status, record.notes_handed_in)
            line = shared.get(key)
            if line is None:
                line = shared[key] = participant_line(index.activities[record.activity_id],
                                                      record, rules)
            lines.append(line)
    return lines
