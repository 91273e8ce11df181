"""The settings services need, built once from the Flask config and the school's rules file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..rules import Rules, academic_year, load_rules, term_of


@dataclass(frozen=True)
class Settings:
    rules: Rules
    ocr_enabled: bool
    max_ocr_pages: int
    max_upload_bytes: int
    timezone: str = "Asia/Shanghai"
    max_indexed_chars: int = 2_000_000  # text kept for the index and the fingerprint
    restore_days: int = 30  # a deleted item can be restored this long, then it is purged

    def today(self) -> date:
        """Today where the school is (the server may run on UTC)."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    def year_of(self, when: date) -> str:
        """The academic-year label of a date, by the school's year start."""
        return academic_year(when, self.rules.year_start_month, self.rules.year_start_day)

    def term_of(self, when: date) -> str:
        """The 学期 of a date (``"2025-2026-1"``), by the school's term boundaries."""
        return term_of(when, self.rules)

    @property
    def inspectors_may_review(self) -> bool:
        return self.rules.inspectors_may_review

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Settings:
        rules_file = config.get("RULES_FILE") or None
        return cls(
            rules=load_rules(Path(rules_file) if rules_file else None),
            ocr_enabled=bool(config.get("OCR_ENABLED", True)),
            max_ocr_pages=int(config.get("MAX_OCR_PAGES", 30)),
            max_upload_bytes=int(config.get("MAX_UPLOAD_MB", 50)) * 1024 * 1024,
            timezone=str(config.get("TIMEZONE") or "Asia/Shanghai"),
            max_indexed_chars=int(config.get("MAX_INDEXED_CHARS", 2_000_000)),
            restore_days=int(config.get("RESTORE_DAYS", 30)),
        )
