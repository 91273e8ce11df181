"""Benchmark: `archive backup` and `archive restore` of one instance, next to their floors.

    .venv/bin/python bench/backup.py            # 3 runs each, ~100 MB of objects
    .venv/bin/python bench/backup.py --quick    # 1 run, ~20 MB

A real SeaweedFS (``weed mini``) is started in a temp dir; the app is made as the tests make it.
The instance holds corpus documents uploaded through the API plus incompressible 1 MB objects.
Baseline rows (same process, same store): ``S3 read all`` streams every object and discards it
(the floor of the object phase of a backup); ``S3 put all`` stores them again under new keys
(the floor of a restore); ``VACUUM INTO`` copies the database alone.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import CORPUS, MB, load_note, table

from archive_service.extensions import archive
from archive_service.services.backup import backup, restore
from storage import ManagedSeaweedFS, S3ObjectStore
from tests.conftest import World, make_app

DOCS = sorted(p.name for p in CORPUS.glob("zh_*") if p.suffix in (".docx", ".pdf"))[:8]


def timed_runs(runs: int, fn: Callable[[int], Any]) -> list[float]:
    seconds = []
    for run in range(runs):
        start = time.perf_counter()
        fn(run)
        seconds.append(time.perf_counter() - start)
    return seconds


def row(label: str, seconds: list[float], size: int) -> list[str]:
    median = statistics.median(seconds)
    return [label, f"{median:.2f}", f"{min(seconds):.2f}", f"{size / MB / median:.1f}"]


def fill(app: Any, tmp: Path, filler_mb: int) -> None:
    teacher = World(app).user("bench")
    for name in DOCS:
        teacher.upload(CORPUS / name, title=name)
    with app.app_context():
        for n in range(filler_mb):
            path = tmp / "filler"
            path.write_bytes(os.urandom(MB))
            archive.store.put_file(f"bench/filler-{n}", path, content_type="application/octet-stream",
                                   sha256_hex=hashlib.sha256(path.read_bytes()).hexdigest())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, filler = (1, 20) if args.quick else (3, 100)
    print(load_note())
    with tempfile.TemporaryDirectory() as tmp_name, ManagedSeaweedFS(Path(tmp_name) / "weed", "bench") as weed:
        tmp = Path(tmp_name)
        assert weed.settings is not None
        app = make_app(tmp / "source", weed.settings, S3_BUCKET="bench")
        fill(app, tmp, filler)
        with app.app_context():
            store, url = archive.store, app.config["DATABASE_URL"]
            keys = [info.key for info in store.list_objects("")]
            size = sum(info.size for info in store.list_objects(""))
            tars = [tmp / f"b{run}.tar" for run in range(runs)]
            rows = [row("backup", timed_runs(runs, lambda r: backup(url, store, {}, tars[r])), size)]
            rows.append(row("  S3 read all", timed_runs(runs, lambda r: [sum(map(len, store.open(k))) for k in keys]),
                            size))
            database = url.removeprefix("sqlite:///")
            rows.append(row("  VACUUM INTO", timed_runs(runs, lambda r: sqlite3.connect(database).execute(
                "VACUUM INTO ?", (str(tmp / f"db{r}-{uuid.uuid4().hex}.sqlite3"),))), os.path.getsize(database)))

        settings = weed.settings

        def bucket(name: str) -> S3ObjectStore:
            return S3ObjectStore(settings.endpoint, settings.access_key, settings.secret_key, name)

        def restore_once(run: int) -> None:
            target = bucket(f"r{run}-{uuid.uuid4().hex[:8]}")
            target.ensure_bucket()
            folder = tmp / f"restored{run}"
            folder.mkdir()
            restore(f"sqlite:///{folder / 'archive.sqlite3'}", target, tars[run], folder)

        def put_all(run: int) -> None:
            target = bucket(f"p{run}-{uuid.uuid4().hex[:8]}")
            target.ensure_bucket()
            with app.app_context():
                for key in keys:
                    path = tmp / "put"
                    path.write_bytes(store.read_bytes(key))
                    target.put_file(key, path, content_type="application/octet-stream",
                                    sha256_hex=hashlib.sha256(path.read_bytes()).hexdigest())

        rows.append(row("restore", timed_runs(runs, restore_once), size))
        rows.append(row("  S3 put all (incl. read)", timed_runs(runs, put_all), size))
        print(f"{len(keys)} objects, {size / MB:.1f} MB; tar {tars[0].stat().st_size / MB:.1f} MB")
    print(table(["", "median s", "best s", "MB/s"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
