"""Database models (SQLAlchemy 2.0 declarative)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[int]: JSON}


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A teacher, inspector or admin.  Inspectors and admins without a school see all schools."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # a vocabulary.Role
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    staff_no: Mapped[str] = mapped_column(String(40), default="")  # 工号
    subject: Mapped[str] = mapped_column(String(40), default="")  # 学科
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School | None] = relationship(lazy="joined")
    membership: Mapped[GroupMember | None] = relationship(viewonly=True)  # the 教研组, if any

    @property
    def group_name(self) -> str | None:
        return self.membership.group.name if self.membership else None

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A named API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A signed-in browser session; the cookie carries the id, only its hash is stored."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins per account (``user:<name>``) or per address (``addr:<ip>``)."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditRecord(Base):
    """One line of the append-only audit log; ``hash`` chains it to the line before."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    item_id: Mapped[int | None] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Item(Base):
    """One portfolio item; its files are versions, the selected one stays frozen."""

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_owner_year", "owner_id", "academic_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    subtype: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(300))
    completion_date: Mapped[date]
    academic_year: Mapped[str] = mapped_column(String(9), index=True)
    term: Mapped[str] = mapped_column(String(11), default="")  # rules.term_of, e.g. "2025-2026-1"
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # typed metadata per kind
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, name="fk_items_current_version")
    )
    selected_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, name="fk_items_selected_version")
    )
    return_reason: Mapped[str | None] = mapped_column(Text)
    teacher_preferred: Mapped[bool] = mapped_column(default=False)
    # the school's check of the evidence (kinds the rules list under [verification] required)
    verification: Mapped[str] = mapped_column(String(20), default="pending")  # vocabulary.Verification
    verification_reason: Mapped[str | None] = mapped_column(Text)  # why it was refused
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    current_version: Mapped[ItemVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True, lazy="joined"
    )
    selected_version: Mapped[ItemVersion | None] = relationship(
        foreign_keys=[selected_version_id], post_update=True
    )
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    recognitions: Mapped[list[Recognition]] = relationship(
        back_populates="item", order_by="Recognition.id", cascade="all, delete-orphan"
    )


class ItemVersion(Base):
    """An uploaded file of an item: object key, facts and extracted text."""

    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    number: Mapped[int]
    object_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(120))
    original_filename: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    char_count: Mapped[int] = mapped_column(default=0)
    # (part, length) stretches of ``text`` (rules.charcount.Part); NULL: stored before parts
    # were told apart, recomputed from the original at start-up
    text_parts: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), deferred=True)
    # {"parts": {part: 字数}, "recorded": comparison with the file's own count or null}
    count_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    from_ocr: Mapped[bool] = mapped_column(default=False)
    count_confirmed: Mapped[bool] = mapped_column(default=False)
    fingerprint: Mapped[list[int]] = mapped_column(default=list, deferred=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)  # Chinese notes for the user
    # an earlier item of ANOTHER teacher with the same or nearly the same text (found at upload)
    copy_of_item_id: Mapped[int | None] = mapped_column(index=True)
    # set when ``text`` keeps only this many characters of a longer text (char_count is of all)
    text_cut_at: Mapped[int | None] = mapped_column(default=None)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a vocabulary.FileState: "processing" while a job reads the text (OCR, .doc conversion)
    state: Mapped[str] = mapped_column(String(20), default="ready", server_default="ready")
    state_error: Mapped[str | None] = mapped_column(Text)  # why reading the text failed (Chinese)
    job_id: Mapped[int | None] = mapped_column(default=None)


class Attachment(Base):
    """An evidence file stored with an item (award certificate, project approval …)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    object_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(120))
    original_filename: Mapped[str] = mapped_column(String(400))
    # documents (vocabulary.DOCUMENT_PURPOSES): their extracted text, searched with the item's
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Recognition(Base):
    """A paper's award or publication."""

    __tablename__ = "recognitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    grade: Mapped[int | None]
    date: Mapped[date]
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="recognitions")
    evidence: Mapped[Attachment | None] = relationship()


class AuditEvent(Base):
    """Who did what to an item, when and why (selection, return, deletion …)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined")


class IndexOutbox(Base):
    """Items whose search-index entry must be (re)written or removed; drained by one writer."""

    __tablename__ = "index_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Small facts about the instance, e.g. which rules the stored derived values follow."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SweepLog(Base):
    """What the sweeper removed (an unreferenced object, a soft-deleted item past its restore
    period); written in the same transaction as the removal, kept after the item is gone."""

    __tablename__ = "sweep_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40))  # quarantine_object | purge_item
    subject: Mapped[str] = mapped_column(String(200))  # the object key or "item:<id>"
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` (or the upload form's hidden token) and what it created."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the fields and the file
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- the 学时台账


class TeachingGroup(Base):
    """A 教研组 of a school."""

    __tablename__ = "teaching_groups"
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """A teacher's 教研组: one row per member, so a user belongs to at most one group."""

    __tablename__ = "group_members"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_groups.id"), index=True)

    group: Mapped[TeachingGroup] = relationship(lazy="joined")


class Activity(Base):
    """A 校本培训活动 (``training``) or 校本教研活动 (``research_activity``) of a school."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_school_year", "school_id", "academic_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("teaching_groups.id"))
    kind: Mapped[str] = mapped_column(String(30))  # vocabulary.ACTIVITY_KINDS
    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[date]
    academic_year: Mapped[str] = mapped_column(String(9))
    term: Mapped[str] = mapped_column(String(11))  # rules.term_of, e.g. "2025-2026-1"
    session_hours: Mapped[float | None]  # training only
    lecturer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lecturer_name: Mapped[str] = mapped_column(String(100), default="")  # an outside lecturer
    in_school_expert: Mapped[bool] = mapped_column(default=False)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship(lazy="joined")
    group: Mapped[TeachingGroup | None] = relationship(lazy="joined")
    lecturer: Mapped[User | None] = relationship(foreign_keys=[lecturer_id])
    organizer: Mapped[User | None] = relationship(foreign_keys=[organizer_id])


class AttendanceRecord(Base):
    """One expected teacher's 考勤 at one activity."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("activity_id", "teacher_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # vocabulary.ATTENDANCE
    notes_handed_in: Mapped[bool] = mapped_column(default=False)


class ExamResult(Base):
    """A teacher's score in the school's 教师专业知识考试 of one academic year."""

    __tablename__ = "exam_scores"
    __table_args__ = (UniqueConstraint("academic_year", "teacher_id"),
                      Index("ix_exam_scores_school_year", "school_id", "academic_year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[str] = mapped_column(String(9))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[float]


class Job(Base):
    """Long work for the queue's workers; the row is the truth, the queue only carries its id."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # vocabulary.JobKind
    state: Mapped[str] = mapped_column(String(20), index=True)  # vocabulary.JobState
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int | None] = mapped_column(index=True)  # whose admins may see it
    item_id: Mapped[int | None] = mapped_column(index=True)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    progress_current: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid of the runner
    heartbeat_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Export(Base):
    """A bound collection handed over: its scope, who asked, and the files kept in the store."""

    __tablename__ = "exports"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    academic_year: Mapped[str] = mapped_column(String(9))
    scope: Mapped[str] = mapped_column(String(20))  # vocabulary.ExportScope
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # [{name, key, size, sha256, media}] once the job has stored them
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    items: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    zero_hour_items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # warned before export

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")



# --------------------------------------------------------------------------- 学期检查


class TermCheck(Base):
    """An inspector's 学期检查 of one school (or every school in scope), year and term."""

    __tablename__ = "term_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)  # None: all
    academic_year: Mapped[str] = mapped_column(String(9))
    term: Mapped[str] = mapped_column(String(11))  # e.g. "2025-2026-1"
    sample_per_teacher: Mapped[int]
    seed: Mapped[str] = mapped_column(String(64))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    school: Mapped[School | None] = relationship(lazy="joined")
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id], lazy="joined")


class CheckTeacher(Base):
    """One teacher of a term check: the drawn sample and the overall result."""

    __tablename__ = "check_teachers"
    __table_args__ = (UniqueConstraint("check_id", "teacher_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("term_checks.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sample: Mapped[list[int]] = mapped_column(default=list)  # item ids, in drawing order
    result: Mapped[str] = mapped_column(String(10), default="")  # vocabulary.CheckResult or ""
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None]

    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id], lazy="joined")


class CheckMark(Base):
    """The inspector's mark and comment on one sampled item."""

    __tablename__ = "check_marks"
    __table_args__ = (UniqueConstraint("check_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("term_checks.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    result: Mapped[str] = mapped_column(String(10))  # vocabulary.CheckResult
    comment: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    marked_by: Mapped[User] = relationship(lazy="joined")


class BagHandIn(Base):
    """A teacher's 档案袋 of one term handed in (每学期期末上交): its items are locked until an
    admin unlocks it with a reason."""

    __tablename__ = "bag_hand_ins"
    __table_args__ = (UniqueConstraint("teacher_id", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    term: Mapped[str] = mapped_column(String(11))
    handed_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    unlocked_at: Mapped[datetime | None]
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unlock_reason: Mapped[str] = mapped_column(Text, default="")
