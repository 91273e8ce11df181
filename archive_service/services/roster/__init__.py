"""School structure and roster: 教研组, and the roster import (花名册导入) with its preview."""

from __future__ import annotations

from .groups import GroupView, add_group, assign_group, find_group, list_groups, set_membership
from .importer import COLUMNS, RosterResult, import_roster, require_importer
from .passwords import passwords_xlsx
from .stash import stash, take

__all__ = ["COLUMNS", "GroupView", "RosterResult", "add_group", "assign_group", "find_group", "import_roster",
           "list_groups", "passwords_xlsx", "require_importer", "set_membership", "stash", "take"]
