"""The WSGI app of a gunicorn web process (``archive serve --workers N``).

Web processes only answer requests: they queue index work and jobs, and read the index; the
``archive serve`` process that started them runs the one index writer and the job worker
(and supervises the embedded SeaweedFS, whose address comes in ``ARCHIVE_S3_*``).
"""

from __future__ import annotations

from .app import create_app

app = create_app({"WEB_ONLY": True})
