"""Roster import (花名册导入) through the API with real XLSX and CSV files made by openpyxl/csv:
a bad file lists every row's problem and stores nothing; a re-import updates, never duplicates."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.models import GroupMember, User
from archive_service.services.accounts import check_password
from archive_service.services.roster import passwords_xlsx
from tests.helpers import World

HEADER = ["姓名", "账号", "工号", "学校", "学科", "教研组", "角色"]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(world: World, data: bytes, dry_run: str = "false", name: str = "花名册.xlsx",
         api: Any = None) -> Any:
    return (api or world.admin).post("/api/v1/users/import", data={
        "file": (io.BytesIO(data), name), "dry_run": dry_run}, content_type="multipart/form-data")


def users(app: Flask) -> dict[str, User]:
    with app.app_context():
        rows = db.session.scalars(select(User)).all()
        for user in rows:
            _ = user.school, user.group_name
        db.session.expunge_all()
        return {u.username: u for u in rows}


def _setup(world: World) -> None:
    world.school("第一中学")
    world.school("第二中学")
    for name in ("数学组", "语文组"):
        res = world.admin.post("/api/v1/groups", {"school": "第一中学", "name": name})
        assert res.status_code == 201, res.get_json()


BAD_ROWS = [
    ["李明", "liming", "1001", "第一中学", "数学", "数学组", "教师"],  # row 2: fine
    ["", "noname", "1002", "第一中学", "语文", "", "教师"],  # 3: missing name
    ["王芳", "wangfang", "1003", "第九中学", "语文", "", "教师"],  # 4: unknown school
    ["赵强", "zhaoqiang", "1004", "第一中学", "英语", "英语组", "教师"],  # 5: unknown group
    ["孙丽", "sunli", "1005", "第一中学", "物理", "", "校长"],  # 6: bad role
    ["李明二", "liming", "1006", "第一中学", "数学", "", "教师"],  # 7: duplicate 账号
    ["周杰", "", "1007", "第一中学", "化学", "", "教师"],  # 8: missing 账号
]


def test_bad_roster_lists_every_problem_and_saves_nothing(world: World, app: Flask) -> None:
    _setup(world)
    before = users(app)
    for dry_run in ("true", "false"):
        res = send(world, xlsx(BAD_ROWS), dry_run)
        assert res.status_code == 422, res.get_json()
        body = res.get_json()
        assert (body["rows"], body["created"], body["passwords"]) == (7, 1, [])
        assert "花名册有 6 处问题" in body["error"]["message"]
        problems = {(e["row"], e["column"]) for e in body["errors"]}
        assert problems == {(3, "姓名"), (4, "学校"), (5, "教研组"), (6, "角色"), (7, "账号"),
                            (8, "账号")}
        messages = {e["row"]: e["message"] for e in body["errors"]}
        assert "第九中学" in messages[4] and "英语组" in messages[5] and "校长" in messages[6]
        assert "与第 2 行重复" in messages[7]
    assert users(app).keys() == before.keys()  # nothing saved, not even the good row


def test_file_level_problems(world: World, app: Flask) -> None:
    _setup(world)
    res = send(world, xlsx([["李明", "liming", "教师"]], header=["姓名", "账号", "职务"]))
    assert res.status_code == 422
    assert {(e["row"], e["column"]) for e in res.get_json()["errors"]} == {(1, "角色"), (1, "职务")}
    for data, name, words in [(b"not a sheet", "x.xlsx", "只支持"), (b"PK\x03\x04junk", "x.xlsx", "无法读取"),
                              (b"", "x.csv", "空的"), (b"a" * (2 * 1024 * 1024 + 5), "x.csv", "文件过大")]:
        res = send(world, data, name=name)
        assert res.status_code == 422, res.get_json()
        error = res.get_json()["errors"][0]
        assert error["row"] == 0 and words in error["message"], error
    many = xlsx([["某", f"u{i}", "", "第一中学", "", "", "教师"] for i in range(5001)])
    res = send(world, many, "true")
    assert res.status_code == 422 and "行数过多" in res.get_json()["errors"][0]["message"]
    assert send(world, xlsx(BAD_ROWS[:1]), "maybe").status_code == 422
    assert len(users(app)) == 1  # the admin alone


def test_import_then_reimport_updates_without_duplicates(world: World, app: Flask) -> None:
    _setup(world)
    rows = [["李明", "liming", 1001, "第一中学", "数学", "数学组", "教师"],
            ["王芳", "wangfang", "1002", "第一中学", "语文", "语文组", "教师"],
            ["钱督查", "qian", "", "第一中学", "", "", "督查"]]
    preview = send(world, xlsx(rows), "true")
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json() == {"rows": 3, "created": 3, "updated": 0, "errors": [],
                                  "passwords": [], "dry_run": True}
    assert "liming" not in users(app)  # a preview saves nothing
    res = send(world, xlsx(rows))
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert (body["created"], body["updated"]) == (3, 0)
    passwords = {p["username"]: p["password"] for p in body["passwords"]}
    assert passwords.keys() == {"liming", "wangfang", "qian"}
    stored = users(app)
    assert stored["liming"].staff_no == "1001" and stored["liming"].group_name == "数学组"
    assert stored["qian"].role == "inspector" and stored["liming"].must_change_password
    assert check_password(stored["liming"], passwords["liming"])
    assert stored["liming"].password_hash.startswith("$argon2id$")  # generated: a light cost
    # re-import as CSV (Excel's GBK): 王芳 moves group and subject, 李明 leaves his group,
    # a new teacher with a given password
    again = [["李明", "liming", "1001", "第一中学", "数学", "", "教师"],
             ["王芳", "wangfang", "2002", "第一中学", "历史", "数学组", "教师"],
             ["陈新", "chenxin", "1010", "第一中学", "美术", "", "教师", "given-pass-1"]]
    text = "\n".join(",".join(r) for r in [HEADER + ["初始密码"]] + [r + [""] * (8 - len(r)) for r in again[:2]]
                     + [again[2]])
    res = send(world, text.encode("gb18030"), name="花名册.csv")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert (body["rows"], body["created"], body["updated"], body["passwords"]) == (3, 1, 2, [])
    stored = users(app)
    assert len([u for u in stored if u in ("liming", "wangfang", "chenxin", "qian")]) == 4
    assert (stored["wangfang"].staff_no, stored["wangfang"].subject,
            stored["wangfang"].group_name) == ("2002", "历史", "数学组")
    assert stored["liming"].group_name is None
    assert check_password(stored["wangfang"], passwords["wangfang"])  # password untouched
    assert check_password(stored["chenxin"], "given-pass-1")
    assert stored["chenxin"].password_hash.startswith("$argon2id$v=19$m=65536")  # chosen: full
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 1
        assert db.session.scalar(select(func.count()).select_from(User)) == 5


def test_school_admin_imports_only_their_school(world: World, app: Flask) -> None:
    _setup(world)
    world.user("far", school="第二中学")
    local = world.user("local_admin", role="admin", school="第一中学")
    rows = [["李明", "liming", "", "第一中学", "", "", "教师"],
            ["外校", "outsider", "", "第二中学", "", "", "教师"],
            ["管理", "boss", "", "第一中学", "", "", "管理员"],
            ["改名", "far", "", "第一中学", "", "", "教师"]]
    res = send(world, xlsx(rows), api=local)
    assert res.status_code == 422
    assert {(e["row"], e["column"]) for e in res.get_json()["errors"]} == {
        (3, "学校"), (4, "角色"), (5, "账号")}
    teacher = world.user("t9")
    assert send(world, xlsx(rows[:1]), api=teacher).status_code == 403
    assert "liming" not in users(app)


def test_passwords_sheet_is_formula_safe() -> None:
    data = passwords_xlsx([{"username": "=cmd|' /C calc'!A0", "password": "+abc-123"}])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["账号", "初始密码", "说明"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=cmd")
    assert sheet["B2"].data_type == "s"
