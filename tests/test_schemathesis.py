"""Schemathesis against the running service, once per role: bounded examples, a fixed seed,
every phase including the stateful one (the upload's links lead to the created item).

Fails on any 5xx, response-schema violation or undocumented status.  The figures (requests,
failures per role) are printed for the record.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from storage import S3Settings
from tests.conftest import Api, World, corpus, make_app

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")  # real uploads for the stateful phase
SEED = 20261202
EXAMPLES = 8
ROLES = ("anonymous", "teacher", "inspector", "school_admin", "global_admin")
pytestmark = pytest.mark.slow  # about 1,400 requests per role


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory,
            s3_server: S3Settings) -> Iterator[tuple[str, dict[str, Api | None]]]:
    app: Flask = make_app(tmp_path_factory.mktemp("fuzz"), s3_server)
    world = World(app)
    actors: dict[str, Api | None] = {
        "anonymous": None,
        "teacher": world.user("teacher"),
        "inspector": world.user("inspector", role="inspector"),
        "school_admin": world.user("schooladmin", role="admin"),
        "global_admin": world.admin,
    }
    teacher = actors["teacher"]
    assert teacher is not None
    assert teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")).status_code == 201
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", actors
    server.shutdown()


@pytest.mark.parametrize("role", ROLES)
def test_no_5xx_no_schema_violation_no_undocumented_status(
        service: tuple[str, dict[str, Api | None]], role: str, tmp_path: Path) -> None:
    base, actors = service
    api = actors[role]
    report = tmp_path / "report.json"
    command = [str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json", "--url", base,
               "--seed", str(SEED), "--max-examples", str(EXAMPLES), "--no-shrink",
               "--phases", "examples,coverage,fuzzing,stateful", "--workers", "1",
               "--checks", "not_a_server_error,status_code_conformance,"
               "response_schema_conformance",
               "--generation-database", "none", "--request-timeout", "60",
               "--report", "json", "--report-json-path", str(report), "--no-color"]
    if api is not None:
        command += ["--header", f"Authorization: Bearer {api.token}"]
    if role != "anonymous":  # a token's owner revoking it would blind the rest of the run
        command += ["--exclude-operation-id", "revoke_token"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS),
           "ARCHIVE_FUZZ_UPLOAD": str(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"))}
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    summary = _summary(run.stdout)
    print(f"schemathesis {role}: {summary}")
    assert run.returncode == 0, run.stdout[-6000:]


def _summary(stdout: str) -> str:
    """"1423 generated, 2 found 2 unique failures" and the phases' pass/fail lines."""
    lines = stdout.splitlines()
    cases = next((lines[i + 1].strip() for i, line in enumerate(lines)
                  if line.strip() == "Test cases:" and i + 1 < len(lines)), "?")
    phases = [line.strip() for line in lines if "passed" in line and ("✅" in line or "❌" in line)]
    links = [line.strip() for line in lines if "API Links" in line]
    return f"{cases}; " + " / ".join(phases + links)
