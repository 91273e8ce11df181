"""Benchmark: the bound-collection export job (issue 12) for a school-year of N items.

    nice .venv/bin/python bench/export.py                 # 60 items, 6 teachers, 3 cached runs
    nice .venv/bin/python bench/export.py --items 200     # the issue's size

Mixed text PDFs and DOCX from the corpus (every file made a distinct object: a PDF comment
after %%EOF, a zip comment on DOCX, so no two items share a conversion), several teachers,
all selected.  A real SeaweedFS in a temp dir; the app as the tests make it.  Rows:
- ``export, cold``: the first export (every DOCX converted by LibreOffice, N at a time);
- ``export, cached``: the same scope again (conversions come from the SHA-256 cache), median;
- baseline, same run: merging the PDF items' originals alone with pypdf (``PdfWriter.append``).
Peak RSS: this process (the worker) and, separately, its children (LibreOffice, pdf checks).
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from _common import CORPUS, MB, load_note, table

from archive_service.job_runner import drain
from storage import ManagedSeaweedFS
from tests.conftest import World, make_app

PDFS = ["zh_pdf_01_jiaogai_anli.pdf", "zh_pdf_03_freecad_jiaoxue_yanjiu.pdf",
        "zh_pdf_04_mokuai1_jiaoan.pdf", "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf",
        "zh_pdf_09_qikan_lunwen_xinxilunli.pdf"]
DOCXS = ["zh_docx_01_songdai_wenxue_jiaoan.docx", "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
         "zh_docx_08_jiaogai_anli.docx", "zh_docx_12_yingyu_jiaoxue_zongjie.docx",
         "zh_docx_14_jiqiren_jiaoxue_dagang.docx"]
YEAR = "2025-2026"


def distinct(name: str, n: int) -> bytes:
    data = (CORPUS / name).read_bytes()
    if name.endswith(".pdf"):
        return data + f"\n% bench copy {n}\n".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = f"bench copy {n}".encode()
    return out.getvalue()


def populate(world: World, items: int, teachers: int) -> list[tuple[str, bytes]]:
    admin = world.user("a1", role="admin", name="教务处")
    users = [world.user(f"t{n}", name=f"教师{n:02d}") for n in range(teachers)]
    pdfs = []
    for n in range(items):
        name = (PDFS if n % 2 == 0 else DOCXS)[(n // 2) % 5]
        data = distinct(name, n)
        kind = "lesson_design" if n % 3 else "reflection"
        res = users[n % teachers].upload(data=data, filename=name, kind=kind, title=f"成果{n:03d}")
        if res.status_code not in (201, 202):
            raise SystemExit(f"upload failed: {res.get_json()}")
        admin.post(f"/api/v1/items/{res.get_json()['id']}/selection", {"selected": True})
        if name.endswith(".pdf"):
            pdfs.append((name, data))
    world.admin_api = admin  # type: ignore[attr-defined]
    return pdfs


def export_once(world: World) -> tuple[float, dict[str, Any]]:
    admin = world.admin_api  # type: ignore[attr-defined]
    start = time.perf_counter()
    res = admin.post("/api/v1/exports", {"school": "第一中学", "year": YEAR, "scope": "selected"})
    export = res.get_json()
    drain(world.app)
    seconds = time.perf_counter() - start
    job = admin.get(f"/api/v1/jobs/{export['job_id']}").get_json()
    if job["state"] != "done":
        raise SystemExit(f"export failed: {job}")
    return seconds, {**admin.get(f"/api/v1/exports/{export['id']}").get_json(), "result": job["result"]}


def pypdf_merge(pdfs: list[tuple[str, bytes]], out: Path) -> float:
    from pypdf import PdfReader, PdfWriter

    start = time.perf_counter()
    writer = PdfWriter()
    for _, data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    with out.open("wb") as handle:
        writer.write(handle)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--teachers", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="cached exports (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as name:
        tmp = Path(name)
        weed = ManagedSeaweedFS(tmp / "seaweedfs", bucket="bench")
        s3 = weed.start()
        try:
            app = make_app(tmp, s3)
            world = World(app)
            start = time.perf_counter()
            pdfs = populate(world, args.items, args.teachers)
            print(f"{args.items} items ({len(pdfs)} PDF, {args.items - len(pdfs)} DOCX), "
                  f"{args.teachers} teachers, set up in {time.perf_counter() - start:.1f} s; {load_note()}\n")
            cold, first = export_once(world)
            cached = [export_once(world)[0] for _ in range(args.runs)]
            baseline = pypdf_merge(pdfs, tmp / "baseline.pdf")
            worker_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
            sizes = {f["kind"]: f["size"] for f in first["files"]}
            docx = args.items - len(pdfs)
            rows = [
                ["export, cold (all converted)", f"{cold:.1f}", f"{cold / args.items:.2f}",
                 first["result"]["conversions"], first["pages"]],
                [f"export, cached (median of {args.runs})", f"{statistics.median(cached):.1f}",
                 f"{statistics.median(cached) / args.items:.2f}", 0, first["pages"]],
                [f"baseline: pypdf merge of the {len(pdfs)} PDFs alone", f"{baseline:.1f}",
                 f"{baseline / max(1, len(pdfs)):.2f}", 0, "-"],
            ]
            print(table(["run", "seconds", "s / item", "conversions", "pages"], rows))
            print(f"\ncold export: {(cold - baseline) / max(1, docx):.2f} s per DOCX beyond the PDF merge "
                  f"(conversion, cached afterwards)")
            print(f"peak RSS: worker process {worker_rss / MB:.0f} MB, largest child "
                  f"(LibreOffice / checks) {child_rss / MB:.0f} MB")
            print("output: " + ", ".join(f"{k} {v / MB:.1f} MB" for k, v in sorted(sizes.items())))
        finally:
            weed.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
