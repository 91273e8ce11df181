"""字数 of the Word files of ../shared/corpus by part, before and after issue 10's rule.

    .venv/bin/python bench/corpus_counts.py

"before": the previous rule, every extracted part counted (comments were not extracted then);
"after": only the parts Word/WPS count (body, text boxes, notes).  Also the count the file
recorded itself (docProps/app.xml), compared like for like.  Needs LibreOffice for the .doc.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive_service.extract import ExtractionError, extract  # noqa: E402
from archive_service.rules.charcount import (  # noqa: E402
    Part,
    document_count,
    part_counts,
    recorded_comparison,
)

CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> None:
    print("| file | before | after | parts | recorded by the file |")
    print("|---|---:|---:|---|---|")
    for path in sorted(CORPUS.glob("*.doc*")):
        try:
            result = extract(path, path.name)
        except ExtractionError as exc:
            print(f"| {path.name} | – | – | {exc.code} | |")
            continue
        counts = part_counts(result.text, result.segments)
        before = sum(n for part, n in counts.items() if part != Part.COMMENT)
        after = document_count(counts)
        parts = ", ".join(f"{part} {n:,}" for part, n in counts.items())
        seen = recorded_comparison(result.recorded, result.text, result.segments)
        recorded = (f"{seen['program']} {seen['measure']} {seen['recorded']:,} vs ours "
                    f"{seen['ours']:,} ({seen['difference']:.1%}"
                    f"{', review' if seen['needs_review'] else ''})") if seen else "none"
        print(f"| {path.name} | {before:,} | {after:,} | {parts} | {recorded} |")


if __name__ == "__main__":
    main()
