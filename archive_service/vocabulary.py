"""The one vocabulary: every code the database, the API and the rules file use, with its Chinese name.

Kinds of item, recognition levels, research-project levels and roles, user roles, the engine's
decision codes, the item history's actions and the audit log's actions are defined here once.
The codes are ``StrEnum``s, so a member equals its stored string (``Role.TEACHER == "teacher"``).
Pure Python: ``rules/`` imports it, so it must never import anything outside the standard library.
Templates reach the names through the Jinja globals ``web/filters.py`` registers.

The Chinese names follow the regulation (白湾子镇学校校本研修制度 第19条, see
``rules/default_rules.toml``).
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """The kinds of portfolio item (成果类型)."""

    REFLECTION = "reflection"
    LESSON_DESIGN = "lesson_design"
    UNIT_DESIGN = "unit_design"
    PAPER = "paper"
    LECTURE_NOTES = "lecture_notes"
    RESEARCH_PROJECT = "research_project"
    EXTERNAL_TRAINING = "external_training"  # 集中/外出/远程培训: the certificate is the file
    PUBLIC_LESSON = "public_lesson"  # 公开课/示范课: the 教学设计 is the file


KINDS: tuple[Kind, ...] = tuple(Kind)
# The kinds the portfolio engine (rules/engine.py) decides; the others are records the teacher
# submits beside the portfolio, decided as lines of the 学时台账 (rules/submitted.py).
PORTFOLIO_KINDS: tuple[Kind, ...] = (Kind.REFLECTION, Kind.LESSON_DESIGN, Kind.UNIT_DESIGN,
                                     Kind.PAPER, Kind.LECTURE_NOTES, Kind.RESEARCH_PROJECT)
LEDGER_KINDS: tuple[Kind, ...] = (Kind.EXTERNAL_TRAINING, Kind.PUBLIC_LESSON)
KIND_NAMES: dict[str, str] = {
    Kind.REFLECTION: "反思研究成果",
    Kind.LESSON_DESIGN: "教学设计",
    Kind.UNIT_DESIGN: "单元整体教学设计",
    Kind.PAPER: "论文或报告",
    Kind.LECTURE_NOTES: "专题讲稿",
    Kind.RESEARCH_PROJECT: "课题研究",
    Kind.EXTERNAL_TRAINING: "集中培训",
    Kind.PUBLIC_LESSON: "公开课/示范课",
}
# Sub-types are metadata only: they never change the rule that applies.
SUBTYPES: dict[str, tuple[str, ...]] = {
    Kind.REFLECTION: ("教学反思", "教育叙事", "教育随笔"),
    Kind.LESSON_DESIGN: ("教学设计", "学案", "课件"),
    Kind.PAPER: ("论文", "报告"),
}
# Kinds whose 字数 is checked against a threshold (unit_design: per lesson).
LENGTH_KINDS: tuple[Kind, ...] = (Kind.REFLECTION, Kind.LESSON_DESIGN, Kind.UNIT_DESIGN, Kind.PAPER)


class Level(StrEnum):
    """Levels of an award, a publication or a research project, lowest first."""

    SCHOOL = "school"
    COUNTY = "county"
    CITY = "city"
    PROVINCIAL = "provincial"
    NATIONAL = "national"


LEVELS: tuple[Level, ...] = tuple(Level)  # lowest first: the order comparisons rely on
LEVEL_NAMES: dict[str, str] = {
    Level.SCHOOL: "校级", Level.COUNTY: "县级", Level.CITY: "市级", Level.PROVINCIAL: "省级",
    Level.NATIONAL: "国家级",
}
AWARD_LEVELS: tuple[Level, ...] = LEVELS
PUBLICATION_LEVELS: tuple[Level, ...] = (Level.CITY, Level.PROVINCIAL, Level.NATIONAL)
PROJECT_LEVELS: tuple[Level, ...] = (Level.COUNTY, Level.CITY, Level.PROVINCIAL, Level.NATIONAL)


class RecognitionType(StrEnum):
    """How a paper was recognised (论文获奖/发表)."""

    AWARD = "award"
    PUBLICATION = "publication"


RECOGNITION_TYPE_NAMES: dict[str, str] = {RecognitionType.AWARD: "获奖",
                                          RecognitionType.PUBLICATION: "期刊发表"}
GRADE_NAMES: dict[int, str] = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}  # 一等奖 …


class ProjectRole(StrEnum):
    """The teacher's role in a research project (课题研究)."""

    HOST = "host"
    LEAD_WRITER = "lead_writer"
    PARTICIPANT = "participant"


PROJECT_ROLES: tuple[ProjectRole, ...] = tuple(ProjectRole)
PROJECT_ROLE_NAMES: dict[str, str] = {
    ProjectRole.HOST: "主持人", ProjectRole.LEAD_WRITER: "主笔", ProjectRole.PARTICIPANT: "主要参与者",
}


class Role(StrEnum):
    """A user's role in the service."""

    TEACHER = "teacher"
    INSPECTOR = "inspector"
    ADMIN = "admin"


ROLES: tuple[Role, ...] = tuple(Role)
ROLE_NAMES: dict[str, str] = {Role.TEACHER: "教师", Role.INSPECTOR: "督查员", Role.ADMIN: "管理员"}
# The roster sheet's 角色 column: 教师/督查/管理员 (the full name 督查员 is taken too).
ROLE_BY_NAME: dict[str, Role] = {"教师": Role.TEACHER, "督查": Role.INSPECTOR,
                                 "督查员": Role.INSPECTOR, "管理员": Role.ADMIN}


class Code(StrEnum):
    """The eligibility engine's decision codes (the API's ``decision.code``)."""

    COUNTED = "counted"
    AWAITING_SELECTION = "eligible_awaiting_selection"
    OVER_ANNUAL_LIMIT = "over_annual_limit"
    TOO_SHORT = "too_short"
    MISSING_METADATA = "missing_metadata"
    DUPLICATE = "duplicate"
    NO_RECOGNITION = "no_recognition"
    ALREADY_COUNTED = "already_counted"
    NEEDS_REVIEW = "needs_review"
    RETURNED = "returned"
    ON_LEAVE = "on_leave"
    ABSENT = "absent"
    MISSING_EVIDENCE = "missing_evidence"
    PENDING_VERIFICATION = "pending_verification"


# The full label (register exports, filters) and the short one (badges on the pages).
DECISION_NAMES: dict[str, str] = {
    Code.COUNTED: "已认定", Code.AWAITING_SELECTION: "符合条件，待学校筛选",
    Code.OVER_ANNUAL_LIMIT: "超出每学年限额", Code.TOO_SHORT: "字数不足",
    Code.MISSING_METADATA: "信息不完整", Code.DUPLICATE: "重复提交",
    Code.NO_RECOGNITION: "无获奖或发表", Code.ALREADY_COUNTED: "已在其他学年认定",
    Code.NEEDS_REVIEW: "字数待人工核对", Code.RETURNED: "学校退回",
    Code.ON_LEAVE: "请假（不计学时，不扣分）", Code.ABSENT: "旷工（不计学时）",
    Code.MISSING_EVIDENCE: "材料不全", Code.PENDING_VERIFICATION: "待学校核验证明材料",
}
DECISION_BADGES: dict[str, str] = {
    Code.COUNTED: "已认定", Code.AWAITING_SELECTION: "待学校筛选",
    Code.OVER_ANNUAL_LIMIT: "超出年度限额", Code.TOO_SHORT: "字数不足",
    Code.MISSING_METADATA: "信息不完整", Code.DUPLICATE: "重复", Code.NO_RECOGNITION: "无获奖/发表",
    Code.ALREADY_COUNTED: "已在他年认定", Code.NEEDS_REVIEW: "字数待核对", Code.RETURNED: "已退回",
    Code.ON_LEAVE: "请假", Code.ABSENT: "旷工", Code.MISSING_EVIDENCE: "材料不全",
    Code.PENDING_VERIFICATION: "待核验",
}


class Selection(StrEnum):
    """Where an item stands in the school's selection (学校筛选)."""

    PENDING = "pending"
    SELECTED = "selected"
    NEW_VERSION_PENDING = "new_version_pending"  # the selected version stays; a newer one waits
    RETURNED = "returned"


SELECTION_NAMES: dict[str, str] = {
    Selection.PENDING: "未筛选", Selection.SELECTED: "已入册", Selection.RETURNED: "已退回",
    Selection.NEW_VERSION_PENDING: "旧版本已入册，新版本待重新筛选",
}


class Source(StrEnum):
    """Where a line of the 学时台账 comes from: portfolio items or the sources beside them."""

    PORTFOLIO = "portfolio"
    TRAINING = "training"
    RESEARCH_ACTIVITY = "research_activity"
    EXTERNAL_TRAINING = "external_training"
    PUBLIC_LESSON = "public_lesson"
    EXAM = "exam"


SOURCES: tuple[Source, ...] = tuple(Source)
SOURCE_NAMES: dict[str, str] = {
    Source.PORTFOLIO: "研修成果", Source.TRAINING: "校本培训活动", Source.RESEARCH_ACTIVITY: "校本教研活动",
    Source.EXTERNAL_TRAINING: "集中培训", Source.PUBLIC_LESSON: "公开课/示范课",
    Source.EXAM: "教师专业知识考试",
}
# The activities a school records with attendance (a subset of the sources).
ACTIVITY_KINDS: tuple[Source, ...] = (Source.TRAINING, Source.RESEARCH_ACTIVITY)


class ActivityRole(StrEnum):
    """A teacher's part in a training session or teaching-research activity."""

    PARTICIPANT = "participant"
    LECTURER = "lecturer"
    ORGANIZER = "organizer"


ACTIVITY_ROLE_NAMES: dict[str, str] = {
    ActivityRole.PARTICIPANT: "参加者", ActivityRole.LECTURER: "主讲人", ActivityRole.ORGANIZER: "组织者",
}


class Attendance(StrEnum):
    """考勤: how an expected teacher attended a session (seed 000 第7篇)."""

    PRESENT = "present"
    LATE = "late"
    EARLY_LEAVE = "early_leave"
    OFFICIAL_LEAVE = "official_leave"
    PERSONAL_LEAVE = "personal_leave"
    SICK_LEAVE = "sick_leave"
    ABSENT = "absent"


ATTENDANCE: tuple[Attendance, ...] = tuple(Attendance)
ATTENDANCE_NAMES: dict[str, str] = {
    Attendance.PRESENT: "出席", Attendance.LATE: "迟到", Attendance.EARLY_LEAVE: "早退",
    Attendance.OFFICIAL_LEAVE: "公假", Attendance.PERSONAL_LEAVE: "事假",
    Attendance.SICK_LEAVE: "病假", Attendance.ABSENT: "旷工",
}
LEAVES: tuple[Attendance, ...] = (Attendance.OFFICIAL_LEAVE, Attendance.PERSONAL_LEAVE,
                                  Attendance.SICK_LEAVE)


class TrainingMode(StrEnum):
    """集中/外出培训 (offline) or 远程网络培训 (online)."""

    OFFLINE = "offline"
    ONLINE = "online"


TRAINING_MODE_NAMES: dict[str, str] = {TrainingMode.OFFLINE: "线下", TrainingMode.ONLINE: "远程网络"}
# 公开课 or 示范课 (metadata ``lesson_type`` of a ``public_lesson``).
LESSON_TYPES: tuple[str, ...] = ("公开课", "示范课")


class Verification(StrEnum):
    """Where an admin's check of a record's evidence stands."""

    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


VERIFICATION_NAMES: dict[str, str] = {
    Verification.PENDING: "待核验", Verification.GRANTED: "已核验", Verification.REFUSED: "核验未通过",
}

# The sources and kinds whose evidence an admin may have to verify (``[verification]``).
VERIFIABLE: tuple[str, ...] = (Source.EXTERNAL_TRAINING, Source.PUBLIC_LESSON, Kind.RESEARCH_PROJECT,
                               Kind.PAPER)

# What an attachment (证明材料) of an item is for.  The documents among them (.docx/.doc/.pdf)
# have their text extracted and searched with the item's.
ATTACHMENT_PURPOSES: dict[str, str] = {
    "certificate": "获奖证书/发表证明", "approval": "课题立项批准文件", "conclusion": "课题结题批准文件",
    "lecture_script": "说课稿", "lesson_reflection": "课后反思", "study_notes": "学习心得",
    "other": "其他证明材料",
}
DOCUMENT_PURPOSES: tuple[str, ...] = ("lecture_script", "lesson_reflection", "study_notes")
# The kind each document belongs to (说课稿、课后反思: 公开课/示范课; 学习心得: 集中培训).
DOCUMENT_KINDS: dict[str, str] = {"lecture_script": Kind.PUBLIC_LESSON,
                                  "lesson_reflection": Kind.PUBLIC_LESSON,
                                  "study_notes": Kind.EXTERNAL_TRAINING}

# The three documents of a public lesson (第19条(3)「需提交教学设计、说课稿和课后反思」).
LESSON_DOCUMENTS: dict[str, str] = {
    "lesson_design": "教学设计", "lecture_script": "说课稿", "lesson_reflection": "课后反思",
}


class Result(StrEnum):
    """The year's outcome (学年考核)."""

    PASS = "合格"
    FAIL = "不合格"


class CheckResult(StrEnum):
    """An inspector's mark on a sampled item, or a teacher's overall result, in a term check."""

    PASS = "合格"
    IMPROVE = "需改进"
    FAIL = "不合格"


CHECK_RESULTS: tuple[CheckResult, ...] = tuple(CheckResult)
TERM_NAMES: dict[int, str] = {1: "第一学期", 2: "第二学期"}


class Action(StrEnum):
    """What an audit event records."""

    UPLOAD = "upload"
    REPLACE_FILE = "replace_file"
    SELECT = "select"
    RETURN = "return"
    DELETE = "delete"
    CONFIRM_COUNT = "confirm_count"
    PREFER = "prefer"
    ADD_RECOGNITION = "add_recognition"
    ADD_ATTACHMENT = "add_attachment"
    VERIFY = "verify"
    REFUSE_VERIFICATION = "refuse_verification"
    EDIT = "edit"  # the owner corrected the item's fields
    CHECK_MARK = "check_mark"


ACTION_NAMES: dict[str, str] = {
    Action.UPLOAD: "上传", Action.REPLACE_FILE: "替换文件（新版本）", Action.SELECT: "筛选入册",
    Action.RETURN: "退回", Action.DELETE: "删除", Action.CONFIRM_COUNT: "确认字数",
    Action.PREFER: "设为希望计入", Action.ADD_RECOGNITION: "添加获奖/发表",
    Action.ADD_ATTACHMENT: "添加证明材料", Action.VERIFY: "核验通过",
    Action.REFUSE_VERIFICATION: "核验未通过", Action.EDIT: "修改成果信息",
    Action.CHECK_MARK: "学期检查评定",
}


class LogAction(StrEnum):
    """What a line of the hash-chained audit log (``services/audit.py``) records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    TOKEN_CREATE = "token_create"
    TOKEN_REVOKE = "token_revoke"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    USER_DEACTIVATE = "user_deactivate"
    USER_ACTIVATE = "user_activate"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
    UNLOCK = "unlock"
    USER_ADD = "user_add"
    SCHOOL_ADD = "school_add"
    UPLOAD = "upload"
    EDIT = "edit"
    DELETE = "delete"
    RESTORE = "restore"
    PURGE = "purge"  # a deleted item past its restore period, removed by the sweeper
    DOWNLOAD = "download"
    EXPORT = "export"
    REVIEW = "review"
    DENIED = "denied"
    CHANGE = "change"


LOG_ACTION_NAMES: dict[str, str] = {
    LogAction.LOGIN: "登录", LogAction.LOGIN_FAILED: "登录失败", LogAction.LOGIN_THROTTLED: "登录被限制",
    LogAction.LOGOUT: "退出登录", LogAction.TOKEN_CREATE: "生成令牌", LogAction.TOKEN_REVOKE: "吊销令牌",
    LogAction.PASSWORD_CHANGE: "修改密码", LogAction.PASSWORD_RESET: "重置密码",
    LogAction.USER_DEACTIVATE: "停用账号", LogAction.USER_ACTIVATE: "启用账号",
    LogAction.SIGN_OUT_EVERYWHERE: "退出所有会话", LogAction.UNLOCK: "解除登录锁定",
    LogAction.USER_ADD: "添加用户", LogAction.SCHOOL_ADD: "添加学校", LogAction.UPLOAD: "上传",
    LogAction.EDIT: "修改", LogAction.DELETE: "删除", LogAction.RESTORE: "恢复", LogAction.PURGE: "清除",
    LogAction.DOWNLOAD: "下载", LogAction.EXPORT: "导出", LogAction.REVIEW: "筛选/核定",
    LogAction.DENIED: "拒绝访问", LogAction.CHANGE: "其他修改",
}


class JobKind(StrEnum):
    """Long work run by the job queue's workers, off the request."""

    EXTRACT = "extract"  # text of an uploaded file: OCR of a scan, .doc conversion
    REINDEX = "reindex"
    EXPORT = "export"  # the bound collection with its register, originals and snapshot


JOB_KIND_NAMES: dict[str, str] = {
    JobKind.EXTRACT: "文字识别", JobKind.REINDEX: "重建检索索引", JobKind.EXPORT: "装订成册导出",
}


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_STATE_NAMES: dict[str, str] = {
    JobState.QUEUED: "排队中", JobState.RUNNING: "进行中", JobState.DONE: "已完成", JobState.FAILED: "失败",
}


class FileState(StrEnum):
    """Whether an uploaded file's text is read yet (OCR and conversions run as jobs)."""

    READY = "ready"
    PROCESSING = "processing"
    FAILED = "failed"


FILE_STATE_NAMES: dict[str, str] = {
    FileState.READY: "已识别", FileState.PROCESSING: "正在识别文字…", FileState.FAILED: "识别失败",
}


# --- What the pages call an item's fields and a decision's figures ---------------------------
# Every key of an item's metadata and of a decision's ``numbers`` a page may show, with its
# Chinese name.  ``web/filters.py`` shows a field's value through ``FIELD_VALUE_NAMES`` (codes),
# as 是/否 (yes/no), as a date (2025年10月10日) or as links to the items it names.
FIELD_NAMES: dict[str, str] = {
    # item metadata
    "lesson_count": "课时数", "has_courseware": "含教学课件", "session_date": "讲座日期",
    "session_hours": "讲座时长（小时）", "in_school_expert": "校内专家主讲", "level": "级别",
    "role": "本人角色", "approval_date": "立项日期", "conclusion_date": "结题日期",
    "has_approval_document": "有立项批准文件", "recognitions": "获奖/发表", "activity_id": "对应活动",
    "lesson_type": "课型", "mode": "培训方式", "organizer": "主办单位", "start_date": "开始日期",
    "end_date": "结束日期", "training_hours": "培训学时", "subject": "学科", "grade_level": "年级",
    # a decision's figures
    "char_count": "字数", "threshold": "字数要求", "hours": "学时", "limit": "每学年限额（篇）",
    "group": "限额类别", "winner_ids": "占用名额的成果", "original_id": "相同或相似的成果",
    "similarity": "相似度", "similarity_threshold": "判为重复的相似度", "factor": "倍数",
    "hours_per_session_hour": "每小时讲座计学时", "recognition_type": "类别",
    "recognition_date": "获奖/发表日期", "grade": "等次", "counted_year": "认定学年",
    "counted_item_id": "已认定的同一篇论文", "counted_code": "认定结果", "field": "缺少的信息",
    "selected": "已入册", "returned_reason": "退回理由", "would_earn": "核验通过后可计学时",
    "verification": "证明材料核验", "score": "考试成绩（分）", "takers": "参考人数",
    "above": "成绩高于本人的人数", "band": "所在档次", "bands": "档次数", "attendance": "考勤",
    "status": "考勤", "source": "来源", "kind": "类型", "term": "学期", "date": "日期",
    "lecture_notes_item_id": "专题讲稿", "missing": "缺少的材料", "certified_hours": "证书学时",
    "days": "培训天数",
    # what the audit log records beside a request (the ids in its address, a few details)
    "teacher_id": "教师编号", "user_id": "用户编号", "attachment_id": "证明材料编号",
    "token_id": "令牌编号", "school_id": "学校编号", "job_id": "任务编号", "item_id": "成果编号",
    "version": "版本", "filename": "文件名", "count": "条数", "reason": "理由", "year": "学年",
    "username": "用户名", "name": "名称", "title": "标题",
}
# Figures only the software needs (database ids of evidence and recognitions): never shown.
HIDDEN_FIELDS: frozenset[str] = frozenset({"recognition_id", "evidence_id", "id"})
# Fields whose value is another item's id (shown as that item's title, a link when allowed).
ITEM_LINK_FIELDS: frozenset[str] = frozenset({"winner_ids", "original_id", "counted_item_id",
                                               "lecture_notes_item_id"})
# Fields that are a share (0.85 → 85%).
SHARE_FIELDS: frozenset[str] = frozenset({"similarity", "similarity_threshold"})
YES_NO: dict[bool, str] = {True: "是", False: "否"}
GRADE_AWARDS: dict[int, str] = {g: f"{name}等奖" for g, name in GRADE_NAMES.items()}
FIELD_VALUE_NAMES: dict[str, dict[str, str]] = {
    "level": dict(LEVEL_NAMES), "role": {**PROJECT_ROLE_NAMES, **ACTIVITY_ROLE_NAMES},
    "recognition_type": dict(RECOGNITION_TYPE_NAMES), "type": dict(RECOGNITION_TYPE_NAMES),
    "verification": dict(VERIFICATION_NAMES), "mode": dict(TRAINING_MODE_NAMES),
    "kind": {**KIND_NAMES, **SOURCE_NAMES}, "source": dict(SOURCE_NAMES),
    "attendance": dict(ATTENDANCE_NAMES), "status": dict(ATTENDANCE_NAMES),
    "code": dict(DECISION_NAMES), "counted_code": dict(DECISION_NAMES),
    "purpose": dict(ATTACHMENT_PURPOSES), "field": FIELD_NAMES, "selection": dict(SELECTION_NAMES),
}


class ExportScope(StrEnum):
    """What an export binds: the items the school selected, or every item that earns hours."""

    SELECTED = "selected"
    COUNTED = "counted"


EXPORT_SCOPE_NAMES: dict[str, str] = {ExportScope.SELECTED: "学校筛选入册的成果",
                                      ExportScope.COUNTED: "计入学时的成果"}
