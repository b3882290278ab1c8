"""Make a SQLite connection's stop idempotent, so closing one never waits forever.

aiosqlite (0.22) runs each connection on a worker thread that ends at the first stop request it
reads; `Connection.stop()` queues such a request and returns a future that the thread resolves.
SQLAlchemy's aiosqlite dialect tears a connection down (a task cancelled while it held one, as
at shutdown) with a graceful `close()` in a shielded task, and when that is cancelled too, with
`stop()`. The graceful close then ends with a `stop()` of its own, whose request lands after the
thread has already ended: its future is never resolved and the close never returns, so the task
that waited for it — delivery's writer at shutdown, then the event loop's own teardown — hangs
(seen as Herald's test harness hanging at exit about once in 60 runs; the same hang is reported
by other projects using SQLAlchemy with aiosqlite ≥ 0.22).

`install()` makes a second `stop()` return the first one's future: it resolves when the thread
has ended, which is all a caller waits for. Installed when the first SQLite engine is made.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["install"]

_FIRST_STOP = "_herald_first_stop"


def install() -> None:
    """Patch `aiosqlite.Connection.stop` once (a no-op for versions without it)."""
    try:
        import aiosqlite
    except ImportError:  # pragma: no cover - a SQLite URL needs it; nothing to patch without it
        return
    original = getattr(aiosqlite.Connection, "stop", None)
    if original is None or getattr(original, "_herald_once", False):
        return

    def stop_once(self: Any) -> asyncio.Future[Any] | None:
        """Queue the stop request once; later calls get the first request's future."""
        if hasattr(self, _FIRST_STOP):
            return getattr(self, _FIRST_STOP)
        future = original(self)
        setattr(self, _FIRST_STOP, future)
        return future

    stop_once._herald_once = True  # type: ignore[attr-defined]
    aiosqlite.Connection.stop = stop_once  # type: ignore[method-assign]
