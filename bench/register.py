"""Benchmark: the whole 学时台账 for 5,000 teachers × 12 items and 40 activity attendances each.

Goal (issue 11): the register of one year — portfolio items, school training sessions and
teaching-research activities with attendance, lecture notes, exam scores, the year's outcome —
in under 3 s and within 2× of loading the same rows alone.

    .venv/bin/python bench/register.py            # 5,000 teachers × 12 items, 5 runs
    .venv/bin/python bench/register.py --quick    # 300 teachers, 3 runs (smoke)
    .venv/bin/python bench/register.py --profile  # also cProfile one full register

Phases, each on a fresh Session, interleaved round by round, after one warm-up round:

- ``baseline``: the exact SELECTs the register issues — ``load_facts``'s (``_fact_rows``, the
  recognitions, the live check of copied items), the ledger's (activities, 讲稿, attendance,
  exam scores, the teachers with school and 教研组) — rows fetched, nothing built;
- ``load_facts``: rows → ``ItemFacts`` grouped by teacher;
- ``engine``: ``decide_teacher`` for every teacher on facts loaded beforehand (informational);
- ``ledger rules only``: ``rules.decide_school`` on facts loaded beforehand (informational);
- ``register``: ``build_register`` for one year, all teachers (what the API endpoint runs).

The register pauses the cyclic GC while it builds its objects (``services/register.py``), so
the baseline is shown both as it is and with the GC paused; the goal is checked against both.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _common import Timings, fmt_mb, load_note, peak_rss, peak_traced, table, timed, timed_cpu
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive_service.db import make_engine
from archive_service.models import (
    Activity,
    AttendanceRecord,
    Base,
    ExamResult,
    GroupMember,
    Item,
    ItemVersion,
    Recognition,
    School,
    TeachingGroup,
    User,
)
from archive_service.rules import (
    cycle_years,
    decide_school,
    decide_teacher,
    load_rules,
    minhash,
    term_of,
)
from archive_service.services import ledger
from archive_service.services import register as reg
from archive_service.services.copies import live_items
from archive_service.services.ledger_register import build_register
from archive_service.services.settings import Settings

YEAR = "2025-2026"
GOAL_SECONDS = 3.0
GOAL_RATIO = 2.0
KIND_WEIGHTS = {"reflection": 26, "lesson_design": 24, "unit_design": 10, "paper": 17,
                "lecture_notes": 18, "research_project": 5}
THRESHOLDS = {"reflection": 1000, "lesson_design": 800, "paper": 2000}
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "政治", "信息技术",
            "音乐", "体育", "美术")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰红梅志强海燕春梅晓东"
HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
         "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
         "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
         "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
         "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战"
         "先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受"
         "联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议"
         "声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且"
         "究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支"
         "般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王"
         "按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞")
PUNCT = "，，，。。、；：！？“”（）"
ACTIVITIES_PER_SCHOOL = 40  # every teacher of the school is expected at each: 40 attendances
STATUS_WEIGHTS = {"present": 84, "late": 4, "early_leave": 3, "official_leave": 3,
                  "personal_leave": 2, "sick_leave": 2, "absent": 2}


# --------------------------------------------------------------------------- the data


def chinese_text(rng: random.Random, chars: int) -> str:
    out = []
    while len(out) < chars:
        out.extend(rng.choices(HANZI, k=rng.randint(4, 18)))
        out.append(rng.choice(PUNCT))
    return "".join(out[:chars])


def signature_pool(rng: random.Random, size: int) -> list[tuple[int, ...]]:
    """Real 64-value MinHash signatures of random ~3,000-字 texts."""
    return [minhash(chinese_text(rng, rng.randint(1200, 5000))) for _ in range(size)]


def random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def char_count(rng: random.Random, kind: str, meta: dict[str, Any]) -> int:
    if kind == "unit_design":
        threshold = 800 * int(meta.get("lesson_count") or 1)
    else:
        threshold = THRESHOLDS.get(kind)
    if threshold is None:  # lecture notes, research projects: no length rule
        return rng.randint(600, 9000)
    if rng.random() < 0.15:  # right at the threshold, either side
        return threshold + rng.randint(-40, 40)
    return int(threshold * rng.uniform(0.55, 3.0))


def metadata(rng: random.Random, kind: str, completed: date) -> dict[str, Any]:
    if kind == "unit_design":
        return {"lesson_count": rng.choice((1, 2, 2, 3, 4)),
                "has_courseware": rng.random() < 0.9}
    if kind == "lecture_notes":
        return {"session_hours": rng.choice((1, 1.5, 2, 2, 3)),
                "in_school_expert": rng.random() < 0.4,
                "session_date": completed.isoformat()}
    if kind == "research_project":
        concluded = completed + timedelta(days=rng.randint(0, 60))
        return {"level": rng.choice(("county", "city", "provincial", "national")),
                "role": rng.choice(("host", "lead_writer", "participant", "participant")),
                "approval_date": (concluded - timedelta(days=400)).isoformat(),
                "conclusion_date": concluded.isoformat(),
                "has_approval_document": rng.random() < 0.92}
    return {}


def recognitions(rng: random.Random, item_id: int, completed: date) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.choices((0, 1, 2), weights=(40, 40, 20))[0]):
        when = completed + timedelta(days=rng.randint(10, 300))
        if rng.random() < 0.7:
            out.append({"item_id": item_id, "type": "award",
                        "level": rng.choice(("school", "county", "county", "city", "provincial")),
                        "grade": rng.choice((1, 2, 3)), "date": when})
        else:
            out.append({"item_id": item_id, "type": "publication",
                        "level": rng.choice(("city", "provincial", "national")),
                        "grade": None, "date": when})
    return out


def ledger_rows(rng: random.Random, users: list[dict[str, Any]], items: list[dict[str, Any]],
                schools: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """教研组, activities with every teacher's 考勤, 讲稿 naming trainings, exam scores."""
    rules = load_rules()
    first = date(2025, 9, 1)
    by_school: dict[int, list[int]] = {}
    for u in users:
        if u["role"] == "teacher":
            by_school.setdefault(u["school_id"], []).append(u["id"])
    notes: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        if item["kind"] == "lecture_notes":
            notes.setdefault(item["owner_id"], []).append(item)
    out: dict[str, list[dict[str, Any]]] = {"groups": [], "members": [], "activities": [],
                                            "attendance": [], "exams": []}
    activity_id = 0
    for school in schools:
        teachers = by_school.get(school["id"], [])
        groups = []
        for subject in SUBJECTS:
            groups.append(len(out["groups"]) + 1)
            out["groups"].append({"id": groups[-1], "school_id": school["id"],
                                  "name": f"{subject}组"})
        out["members"] += [{"user_id": t, "group_id": rng.choice(groups)} for t in teachers]
        out["exams"] += [{"school_id": school["id"], "academic_year": YEAR, "teacher_id": t,
                          "score": rng.randint(40, 100)} for t in teachers]
        for n in range(ACTIVITIES_PER_SCHOOL if teachers else 0):
            activity_id += 1
            when = first + timedelta(days=rng.randint(0, 360))
            lead = rng.choice(teachers)
            row = {"id": activity_id, "school_id": school["id"], "title": f"校本研修活动{n + 1}",
                   "date": when, "academic_year": YEAR, "term": term_of(when, rules),
                   "created_by_id": 1, "lecturer_name": "", "in_school_expert": False}
            if n % 10 < 7:  # 7 in 10 are training sessions
                row.update(kind="training", session_hours=rng.choice((1, 1.5, 2, 3)))
                if rng.random() < 0.6:
                    row.update(lecturer_id=lead, in_school_expert=rng.random() < 0.5)
                    free = [i for i in notes.get(lead, []) if "activity_id" not in i["details"]]
                    if free and rng.random() < 0.7:
                        free[0]["details"] = dict(free[0]["details"], activity_id=activity_id)
                else:
                    row.update(lecturer_id=None, lecturer_name="县教研室专家")
            else:
                row.update(kind="research_activity", session_hours=None, lecturer_id=None,
                           organizer_id=lead)
            out["activities"].append(row)
            statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()),
                                   k=len(teachers))
            out["attendance"] += [
                {"activity_id": activity_id, "teacher_id": t, "status": status,
                 "notes_handed_in": False}
                for t, status in zip(teachers, statuses, strict=True) if t != lead]
    return out


def build_database(url: str, teachers: int, per_teacher: int, seed: int) -> dict[str, int]:
    """Bulk-insert schools, teachers, items, versions and recognitions; returns row counts."""
    rng = random.Random(seed)
    pool = signature_pool(rng, 40)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    years = ((date(2024, 9, 1), date(2025, 8, 31)), (date(2025, 9, 1), date(2026, 8, 31)))
    schools = [{"id": n + 1, "name": f"白湾子镇第{n + 1}学校"} for n in range(4)]
    users = [{"id": 1, "username": "admin", "name": "系统管理员", "role": "admin",
              "school_id": None, "password_hash": "x"}]
    items: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    pointers: list[dict[str, Any]] = []
    recs: list[dict[str, Any]] = []
    shared: list[tuple[int, str, tuple[int, ...]]] = []  # (owner, sha, fingerprint) to copy
    kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
    next_id = 1
    for t in range(teachers):
        owner = t + 2
        users.append({
            "id": owner, "username": f"t{t:05d}",
            "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            "role": "teacher", "school_id": 1 + t % len(schools), "staff_no": f"A{t:05d}",
            "subject": rng.choice(SUBJECTS), "password_hash": "$argon2id$v=19$bench-not-a-hash",
        })
        mine: list[tuple[int, ...]] = []
        for _ in range(per_teacher):
            item_id = next_id
            next_id += 1
            kind = rng.choices(kinds, weights=weights)[0]
            completed = random_date(rng, *rng.choice(years))
            meta = metadata(rng, kind, completed)
            sha = rng.getrandbits(256).to_bytes(32, "big").hex()
            base = rng.choice(pool)
            mask = rng.getrandbits(20) | 1
            fingerprint = tuple(v ^ mask for v in base)  # distinct: no value in common
            roll = rng.random()
            copy_of = None
            if mine and roll < 0.04:  # the same work again, lightly edited: near-duplicate
                fingerprint = tuple(v if i % 16 else v ^ 0x5A5A for i, v in
                                    enumerate(rng.choice(mine)))
            elif shared and roll < 0.05:  # a colleague's file uploaded again: exact copy
                copy_of, sha, fingerprint = rng.choice(shared[-200:])
            elif roll > 0.99:
                shared.append((item_id, sha, fingerprint))
            mine.append(fingerprint)
            ocr = rng.random() < 0.04
            returned = "字数不足，请补充教学反思部分" if rng.random() < 0.03 else None
            needs_selection = kind in ("reflection", "lesson_design", "unit_design", "paper")
            selected = returned is None and needs_selection and rng.random() < 0.55
            items.append({
                "id": item_id, "owner_id": owner, "kind": kind,
                "subtype": {"reflection": "教学反思", "lesson_design": "教学设计",
                            "paper": "论文"}.get(kind, ""),
                "title": f"{rng.choice(SUBJECTS)}{chinese_text(rng, rng.randint(6, 18))}",
                "completion_date": completed,
                "academic_year": f"{completed.year - (completed.month < 9)}-"
                                 f"{completed.year - (completed.month < 9) + 1}",
                "details": meta, "return_reason": returned,
                "teacher_preferred": rng.random() < 0.05,
            })
            versions.append({
                "id": item_id, "item_id": item_id, "number": 1,
                "object_key": f"originals/{sha[:2]}/{sha}", "sha256": sha,
                "size": rng.randint(12_000, 2_500_000),
                "mime": "application/pdf" if rng.random() < 0.5 else
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "original_filename": f"{items[-1]['title'][:20]}.pdf", "text": "（正文略）",
                "char_count": char_count(rng, kind, meta), "from_ocr": ocr,
                "count_confirmed": ocr and rng.random() < 0.5,
                "fingerprint": list(fingerprint), "warnings": [], "uploaded_by_id": owner,
                "copy_of_item_id": copy_of,
            })
            pointers.append({"id": item_id, "current_version_id": item_id,
                             "selected_version_id": item_id if selected else None})
            if kind == "paper":
                recs.extend(recognitions(rng, item_id, completed))
    led = ledger_rows(rng, users, items, schools)
    maker = sessionmaker(engine)
    with maker.begin() as session:
        session.execute(insert(School), schools)
        session.execute(insert(User), users)
        session.execute(insert(TeachingGroup), led["groups"])
        session.execute(insert(GroupMember), led["members"])
        session.execute(insert(Item), items)
        session.execute(insert(ItemVersion), versions)
        session.execute(update(Item), pointers)  # ORM bulk UPDATE by primary key
        session.execute(insert(Recognition), recs)
        session.execute(insert(Activity), led["activities"])
        session.execute(insert(AttendanceRecord), led["attendance"])
        session.execute(insert(ExamResult), led["exams"])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"teachers": teachers, "items": len(items), "recognitions": len(recs),
            "selected": sum(p["selected_version_id"] is not None for p in pointers),
            "activities": len(led["activities"]), "attendance": len(led["attendance"]),
            "exams": len(led["exams"])}


# --------------------------------------------------------------------------- the phases


def teachers() -> Any:
    return reg.teachers_query(None, None, None, None, True)


def owners() -> Any:
    return teachers().with_only_columns(User.id)


def baseline(session: Session) -> tuple[int, ...]:
    """Only the rows: exactly the SELECTs ``build_register`` runs, fetched, nothing built."""
    ids = owners()
    facts = reg._fact_rows(session, ids)
    recs = session.execute(
        select(Recognition.item_id, Recognition.id, Recognition.type, Recognition.level,
               Recognition.date, Recognition.grade)
        .join(Item, Item.id == Recognition.item_id)
        .where(Item.deleted_at.is_(None), Item.owner_id.in_(ids))
    ).all()
    copies = live_items(session, {r[15] for r in facts if r[15]} | {r[20] for r in facts if r[20]})
    years = sorted(set(cycle_years(YEAR, load_rules())) | {YEAR})
    people = session.execute(ledger.people_query(ids)).all()
    schools = {s for _, s in people if s is not None}
    activities = session.scalars(ledger.activities_query(schools, years)).all()
    lecturers = {a.lecturer_id for a in activities if a.lecturer_id is not None}
    notes = session.execute(ledger.lecture_notes_query(lecturers)).all()
    attendance = session.execute(ledger.attendance_query(schools, years, ids)).all()
    exams = session.execute(ledger.exam_query(schools, years)).all()
    shown = session.execute(teachers().with_only_columns(
        User.id, User.username, User.name, School.name, TeachingGroup.name, User.staff_no,
        User.subject)
        .outerjoin(School, School.id == User.school_id)
        .outerjoin(GroupMember, GroupMember.user_id == User.id)
        .outerjoin(TeachingGroup, TeachingGroup.id == GroupMember.group_id)).all()
    return (len(facts), len(recs), len(copies), len(people), len(activities), len(notes),
            len(attendance), len(exams), len(shown))


def load_facts(session: Session) -> dict[int, Any]:
    return reg.load_facts(session, owners())[0]


def engine_only(facts: dict[int, Any], settings: Settings) -> Callable[[], Any]:
    def run() -> Any:
        return {owner: decide_teacher(items, settings.rules) for owner, items in facts.items()}
    return run


def ledger_rules_only(maker: sessionmaker[Session], settings: Settings) -> Callable[[], Any]:
    """``decide_school`` per school on facts (and portfolio decisions) loaded beforehand."""
    with maker() as session, reg.gc_paused:
        facts = load_facts(session)
        portfolios = {o: decide_teacher(items, settings.rules) for o, items in facts.items()}
        people = session.execute(ledger.people_query(owners())).all()
        schools = sorted({s for _, s in people})
        acts = ledger._activity_facts(session, schools, [YEAR])
        attendance = ledger._attendance_of(session, schools, [YEAR], owners())
        exams = ledger._exam_scores(session, schools, [YEAR])
    school_of = {a.id: school for school, facts in acts.items() for a in facts}
    by_school: dict[int, list[Any]] = {}
    for record in attendance:
        by_school.setdefault(school_of[record.activity_id], []).append(record)

    def run() -> Any:
        with reg.gc_paused:
            return [decide_school([t for t, s in people if s == school], settings.rules,
                                  activities=acts[school], attendance=by_school[school],
                                  exam_scores=exams[school], portfolios=portfolios,
                                  years=[YEAR]) for school in schools]
    return run


def full_register(session: Session, settings: Settings) -> dict[str, Any]:
    return build_register(session, settings, YEAR, teachers())


# --------------------------------------------------------------------------- running


def in_session(maker: sessionmaker[Session], fn: Callable[[Session], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with maker() as session:
            return fn(session)
    return run


def with_patch(patch: Callable[[], contextlib.AbstractContextManager[None]],
               fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with patch():
            return fn()
    return run


BASELINE = "baseline (rows only)"
BASELINE_NO_GC = "baseline, gc paused"
PHASES = (BASELINE, BASELINE_NO_GC, "load_facts (gc paused)", "engine only", "ledger rules only",
          "build_register")


def _gc_wrapped(fn: Callable[[], Any]) -> Callable[[], Any]:
    """The same call with the cyclic GC paused, as ``services/register.py`` runs it."""
    def run() -> Any:
        with reg.gc_paused:
            return fn()
    return run


def make_phase(name: str, maker: sessionmaker[Session], settings: Settings) -> Callable[[], Any]:
    """The callable of a phase or experiment (``engine only`` loads its facts right here)."""
    register = in_session(maker, lambda s: full_register(s, settings))
    if name == BASELINE:
        return in_session(maker, baseline)
    if name == BASELINE_NO_GC:
        return _gc_wrapped(in_session(maker, baseline))
    if name == "load_facts (gc paused)":
        return _gc_wrapped(in_session(maker, load_facts))
    if name == "engine only":
        return engine_only(in_session(maker, load_facts)(), settings)
    if name == "ledger rules only":
        return ledger_rules_only(maker, settings)
    return register


def child_rss(name: str, db: str) -> int | None:
    """In a fresh process: how far one run of the phase raises the resident set."""
    settings = Settings(rules=load_rules(), ocr_enabled=False, max_ocr_pages=0,
                        max_upload_bytes=0)
    engine = make_engine(f"sqlite:///{db}")
    fn = make_phase(name, sessionmaker(engine), settings)
    return peak_rss(fn)


def rss_in_child(name: str, db: str) -> int | None:
    out = subprocess.run([sys.executable, __file__, "--rss-child", name, "--db", db],
                         capture_output=True, text=True, check=False)
    try:
        return int(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"  (RSS child for {name!r} failed: {out.stderr.strip()[-300:]})")
        return None


def measure(names: list[str], maker: sessionmaker[Session], settings: Settings, runs: int,
            memory: str | None) -> list[Timings]:
    """Time the phases round by round (interleaved); ``memory``: the DB path, or None."""
    phases = {name: make_phase(name, maker, settings) for name in names}
    results = {name: Timings(name) for name in names}
    for fn in phases.values():  # warm-up: page cache, compiled SQL, imports
        timed(fn)
    for _ in range(runs):
        for name, fn in phases.items():
            seconds, cpu, _ = timed_cpu(fn)
            results[name].seconds.append(seconds)
            results[name].cpu.append(cpu)
    if memory is not None:
        for name, fn in phases.items():
            results[name].peak_traced = peak_traced(fn)
            results[name].peak_rss = rss_in_child(name, memory)
    return list(results.values())


def report(rows: list[Timings], base: Timings) -> str:
    body = [(t.name, f"{t.median:.3f}", f"{t.best:.3f}", f"{t.worst:.3f}",
             f"{t.cpu_median:.3f}", fmt_mb(t.peak_traced), fmt_mb(t.peak_rss),
             f"{t.median / base.median:.2f}×", f"{t.cpu_median / base.cpu_median:.2f}×")
            for t in rows]
    return table(("phase", "median s", "min s", "max s", "cpu s", "peak MB traced",
                  "peak MB RSS", "× base", "× base cpu"), body)


def verdict(register: Timings, base: Timings, label: str = "register") -> list[str]:
    ratio = register.median / base.median
    ok_time = register.median < GOAL_SECONDS
    ok_ratio = ratio <= GOAL_RATIO
    return [
        f"goal 1: {label} median {register.median:.3f} s < {GOAL_SECONDS:.0f} s  ... "
        f"{'PASS' if ok_time else 'FAIL'}",
        f"goal 2: {label} / baseline = {ratio:.2f}× ≤ {GOAL_RATIO:.0f}×  ... "
        f"{'PASS' if ok_ratio else 'FAIL'}",
    ]


def profile(maker: sessionmaker[Session], settings: Settings, top: int) -> str:
    profiler = cProfile.Profile()
    with maker() as session:
        profiler.enable()
        full_register(session, settings)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 teachers, 3 runs (smoke run)")
    parser.add_argument("--teachers", type=int, help="number of teachers (default 5000)")
    parser.add_argument("--items", type=int, default=12, help="items per teacher (default 12)")
    parser.add_argument("--runs", type=int, help="timed runs per phase (default 5)")
    parser.add_argument("--seed", type=int, default=20251001)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--profile", action="store_true", help="cProfile one full register")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        print(child_rss(args.rss_child, args.db))
        return 0
    n_teachers = args.teachers or (300 if args.quick else 5000)
    runs = args.runs or (3 if args.quick else 5)

    settings = Settings(rules=load_rules(), ocr_enabled=False, max_ocr_pages=0,
                        max_upload_bytes=0)
    with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
        db = str(Path(tmp) / "bench.sqlite3")
        start = time.perf_counter()
        counts = build_database(f"sqlite:///{db}", n_teachers, args.items, args.seed)
        setup = time.perf_counter() - start
        print(f"setup: {counts['teachers']:,} teachers, {counts['items']:,} items "
              f"({counts['selected']:,} selected), {counts['recognitions']:,} recognitions, "
              f"{counts['activities']:,} activities, {counts['attendance']:,} attendance records, "
              f"{counts['exams']:,} exam scores in {setup:.1f} s (SQLite in a temp dir)")
        engine = make_engine(f"sqlite:///{db}")
        maker = sessionmaker(engine)
        sample = in_session(maker, lambda s: full_register(s, settings))()
        print(f"register {YEAR}: {len(sample['teachers']):,} teachers, "
              f"{sum(len(t['items']) for t in sample['teachers']):,} item rows, "
              f"{sum(len(t['activities']) for t in sample['teachers']):,} activity lines, "
              f"{sum(t['assessment']['result'] == '不合格' for t in sample['teachers']):,} 不合格")
        print(f"\n{runs} runs per phase after one warm-up, interleaved; "
              f"Python {sys.version.split()[0]}; {load_note()}")
        print("cpu s = process CPU time (less affected by other load than wall time); "
              "peak MB traced = tracemalloc peak in this process; peak MB RSS = growth of the "
              "resident set during one run in a fresh process\n")
        memory = None if args.no_memory else db
        rows = measure(list(PHASES), maker, settings, runs, memory)
        base, register = rows[0], rows[-1]
        print(report(rows, base))
        print()
        print("\n".join(verdict(register, base)))
        print("\n".join(verdict(register, rows[1], "register vs baseline with gc paused")))

        if args.profile:
            print("\ncProfile of one build_register:\n")
            print(profile(maker, settings, 25))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
