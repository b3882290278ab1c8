"""SQLite serves one `herald run`: an exclusive lock on `<database>.lock`, held for the life of
the process, makes a second one on the same file stop at once with a clear message (two would
both poll the same bot token and both run every timed job). Replicas need PostgreSQL.

`herald index`, `queue` and `broadcast` take no lock: they change the database as before and the
running process picks their changes up.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

MAX_NOTE = 200
"""Bytes read back from a lock file (the holder's note: its pid); the file is ours, but bounded."""


class DatabaseInUse(RuntimeError):
    """Another process already runs Herald on this SQLite database."""


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None (PostgreSQL, in-memory databases)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


class SqliteLock:
    """The one-process lock of a SQLite database; `release` (or process exit) frees it."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise `DatabaseInUse` naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note = os.pread(fd, MAX_NOTE, 0).decode("ascii", "replace").strip()
            os.close(fd)
            holder = f" (pid {note})" if note.isdigit() else ""
            raise DatabaseInUse(
                f"another `herald run`{holder} already uses the SQLite database {self.path.with_suffix('')}: "
                "SQLite serves one process. Stop the other one, or use PostgreSQL "
                "(HERALD_DATABASE_URL=postgresql://…) to run several replicas."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Free the lock (the file stays; an unlocked file means nothing)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def hold_sqlite(url: str) -> SqliteLock | None:
    """Take the one-process lock when `url` is a SQLite file; None for PostgreSQL."""
    database = sqlite_file(url)
    if database is None:
        return None
    lock = SqliteLock(database)
    lock.acquire()
    return lock
