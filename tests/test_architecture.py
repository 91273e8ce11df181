"""The layers hold: import-linter's contracts (pyproject.toml) pass, and they do catch a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_contracts_are_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def test_a_view_importing_storage_breaks_the_contract(tmp_path: Path) -> None:
    for package in ("archive_service", "storage", "indexing"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    common = tmp_path / "archive_service" / "web" / "common.py"
    common.write_text(common.read_text() + "\nfrom storage import ObjectStore  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Views reach models, queries, storage and the index only through services BROKEN" \
        in result.stdout
    assert "archive_service.web.common -> storage" in result.stdout
