"""A server process that uploads one file and is killed (SIGKILL) at a chosen point.

Run by tests/test_faults.py as ``python -m tests.fault_child`` with FAULT_CONFIG (JSON):
instance, overrides, token, file, point = "after_put" (object stored, nothing committed) or
"after_commit" (rows committed, index not yet written)."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any


def _die(*_args: Any, **_kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    from archive_service.app import create_app
    from archive_service.extensions import Archive
    from archive_service.services import stored

    cfg = json.loads(os.environ["FAULT_CONFIG"])
    app = create_app(cfg["overrides"], instance=Path(cfg["instance"]))
    if cfg["point"] == "after_put":
        real_put = stored.put_original

        def put_then_die(*args: Any, **kwargs: Any) -> str:
            real_put(*args, **kwargs)
            _die()
            raise AssertionError("unreachable")

        stored.put_original = put_then_die  # type: ignore[assignment]
    else:
        Archive.sync_index = _die  # type: ignore[method-assign]  # the commit is done by then
    data = Path(cfg["file"]).read_bytes()
    import io
    app.test_client().post(
        "/api/v1/items", headers={"Authorization": f"Bearer {cfg['token']}"},
        content_type="multipart/form-data",
        data={"kind": "reflection", "title": "断电前的上传", "completion_date": "2025-10-08",
              "file": (io.BytesIO(data), "总结.docx")})
    sys.exit(3)  # the kill did not happen


if __name__ == "__main__":
    main()
