"""``archive backup`` / ``archive restore``: database, every object and the rules/config in one tar.

Layout of the tar::

    manifest.json              format, time, database kind, objects and files with SHA-256
    database/archive.sqlite3   (SQLite, from VACUUM INTO) or database/archive.pgdump (pg_dump -Fc)
    objects/<key>              every object of the bucket
    files/<name>               config.toml and the rules file, when the instance has them

Consistent while uploads continue: the database is copied first, in one read transaction;
every object it refers to was stored before its row was committed and content-addressed objects
are never deleted on a request path, so the object listing taken afterwards includes them all.
"""

from archive_service.services.backup.archive import BackupError, Progress, backup, restore

__all__ = ["BackupError", "Progress", "backup", "restore"]
