"""Every `archive` command ends a failure with one Chinese line on stderr and a non-zero exit (issue 8, 12)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from storage import ManagedSeaweedFS

ARCHIVE = str(Path(sys.executable).parent / "archive")
CJK = re.compile(r"[\u4e00-\u9fff]")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(instance: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    full |= {"ARCHIVE_INSTANCE": str(instance), **env}
    return subprocess.run([ARCHIVE, *args], env=full, capture_output=True, text=True, timeout=120)


def assert_one_chinese_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and CJK.search(lines[0][3:]), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def test_unknown_user(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    line = assert_one_chinese_line(run(tmp_path, "token", "new", "nobody"))
    assert "nobody" in line and "不存在" in line


def test_usage_error(tmp_path: Path) -> None:
    line = assert_one_chinese_line(run(tmp_path, "check", "--no-such-option"), code=2)
    assert "--help" in line


def test_database_unreachable(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://archive@127.0.0.1:{closed_port()}/archive"
    line = assert_one_chinese_line(run(tmp_path, "init", ARCHIVE_DATABASE_URL=url))
    assert "数据库" in line and "ARCHIVE_DATABASE_URL" in line


def test_object_store_unreachable(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    endpoint = f"http://127.0.0.1:{closed_port()}"
    line = assert_one_chinese_line(run(tmp_path, "check", ARCHIVE_S3_ENDPOINT=endpoint,
                                       ARCHIVE_S3_ACCESS_KEY="k", ARCHIVE_S3_SECRET_KEY="s"))
    assert "对象存储" in line and "重试" in line


@pytest.mark.slow
def test_check_talks_to_a_seaweedfs_another_process_runs(tmp_path: Path) -> None:
    """What used to end in a traceback ("正被另一个 SeaweedFS 进程使用") now uses that store."""
    assert run(tmp_path, "init").returncode == 0
    with ManagedSeaweedFS(tmp_path / "seaweedfs", "archive") as weed:
        result = run(tmp_path, "check")
        assert result.returncode == 0, result.stdout + result.stderr
        assert weed.settings is not None and weed.settings.endpoint in result.stderr
        assert "Traceback" not in result.stderr
