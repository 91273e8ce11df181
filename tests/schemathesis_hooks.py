"""Schemathesis hook (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py): every other
generated upload carries a real corpus document, so uploads succeed and the stateful phase
follows the upload's links to a real item."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import schemathesis

DOCUMENT = Path(os.environ.get("ARCHIVE_FUZZ_UPLOAD", ""))
_uploads = itertools.count()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    operation = case.operation
    if (operation.method.upper() != "POST" or operation.path != "/api/v1/items"
            or not isinstance(case.body, dict) or not DOCUMENT.is_file()):
        return
    if next(_uploads) % 2 == 0:
        case.body = {"file": DOCUMENT.read_bytes(), "kind": "reflection",  # the declared form,
                     "title": "模糊测试上传", "completion_date": "2025-10-08"}  # nothing generated
