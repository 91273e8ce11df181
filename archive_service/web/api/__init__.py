"""JSON API under /api/v1, authenticated with ``Authorization: Bearer <token>``.

``base`` holds the blueprint; importing the view modules here registers their routes.
"""

from . import accounts, checks, collection, exports, items, jobs, ledger, openapi, register
from .base import bp

__all__ = ["accounts", "bp", "checks", "collection", "exports", "items", "jobs", "ledger", "openapi",
           "register"]
