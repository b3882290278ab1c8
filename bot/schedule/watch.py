"""Watch the content folder and hand over changed post paths in batches, once they are complete.

`watchfiles` (inotify, FSEvents, or polling) reports raw changes; this module drops editor noise
(dotfiles, `~` backups, swap files, `#autosave#`, partial downloads, vim's `4913` probe) and
anything that is not a post. A file that has arrived whole — renamed into place, or written and
closed — goes over at once: on Linux a read lease (`F_SETLEASE`) is refused while any process
still has the file open for writing, so "no writer left" is known without waiting. A file still
open for writing (a post written or uploaded in chunks), or one whose writers cannot be known
(another OS, another owner, a network filesystem; folders), waits until it has kept the same
size and mtime for `settle_ms`, so it is read once, whole. Changes that become ready together go
over together: a rename (`mv a.md b.md`) arrives as one batch with both paths, and a burst of a
thousand new posts in a few batches, not a thousand.
Deleted paths pass too, so the index sees removals; a new folder is expanded to the posts in it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import stat
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from bot.content.boundary import is_inside
from bot.content.loader import MATTER_ONLY_SUFFIXES
from bot.content.scanner import POST_SUFFIXES, is_noise, is_post_file, walk_posts
from bot.waits import first_of

try:
    import fcntl
except ImportError:  # not POSIX: every file waits for the settle time
    fcntl = None  # type: ignore[assignment]

__all__ = ["ContentWatcher", "is_noise"]

log = logging.getLogger("herald.watcher")

_CANDIDATE_SUFFIXES = POST_SUFFIXES | MATTER_ONLY_SUFFIXES
_REMEMBER_HANDED = 10.0
"""Seconds a handed-over file's signature is kept to recognise late events about it."""


@dataclass(frozen=True, slots=True)
class _Pending:
    signature: tuple[int, int] | None
    """(size, mtime_ns) when last looked at; None while the path does not exist."""
    since: float
    """`time.monotonic()` when the signature last changed (or a new event came in)."""


class ContentWatcher:
    """Call `on_batch(paths)` with settled post paths (absolute; deleted ones included) as they change."""

    def __init__(
        self,
        root: Path,
        on_batch: Callable[[set[Path]], Awaitable[None]],
        *,
        debounce_ms: int = 300,
        settle_ms: int = 400,
        force_polling: bool | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self._on_batch = on_batch
        self._debounce_ms = debounce_ms
        self._burst_gap = (debounce_ms + 50) / 1000  # watchfiles yields every `debounce` ms while changes pour in
        self._last_changes = self._run_started = -1e9
        """`time.monotonic()` of the latest raw changes, and of the first of their run (changes
        coming in less than `_burst_gap` apart: a burst of new posts, a big copy)."""
        self._settle = settle_ms / 1000
        self._force_polling = force_polling
        self._handed: dict[Path, tuple[tuple[int, int] | None, float]] = {}
        """Path → (signature, when) of what was handed over lately: a late event for the same
        file, unchanged since (a write reported after its file was closed), is not news."""
        self.ready = asyncio.Event()
        """Set once the folder is being watched: changes from then on are seen."""

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set; changes still settling then are left to the next full scan."""
        if not self.root.is_dir():  # checked here: watchfiles waits silently for a missing folder
            raise FileNotFoundError(f"content folder {self.root} does not exist")
        pending: dict[Path, _Pending] = {}
        wake = asyncio.Event()
        halt = asyncio.Event()  # our own, because awatch sets the event it is given when cancelled
        collector = asyncio.create_task(self._collect(halt, pending, wake), name="content-watch")
        try:
            while not stop.is_set():
                tick = min(max(0.02, self._settle / 4), 0.1) if pending else None  # a close makes no event
                await first_of(stop, asyncio.wait({collector}), wake, timeout=tick)  # never cancels the collector
                wake.clear()
                if collector.done():
                    collector.result()  # raise what stopped the watch (e.g. the folder is gone)
                    return
                batch = self._take_settled(pending)
                if batch:
                    await self._hand_over(batch)
                    # Changes seen while handing over only come in now: they continue the run.
                    self._last_changes = max(self._last_changes, time.monotonic())
        finally:
            halt.set()
            if not collector.done():
                await asyncio.wait({collector}, timeout=5)

    async def _collect(self, halt: asyncio.Event, pending: dict[Path, _Pending], wake: asyncio.Event) -> None:
        """Feed raw changes into `pending`; every event restarts that path's settle time."""
        changes = awatch(
            self.root,
            watch_filter=self._wanted,
            debounce=self._debounce_ms,
            stop_event=halt,
            recursive=True,
            force_polling=self._force_polling,
            ignore_permission_denied=True,
        )
        first = asyncio.ensure_future(anext(changes))
        await asyncio.sleep(0)  # the generator opens the watch before its first await
        self.ready.set()
        try:
            batch = await asyncio.shield(first)
            while True:
                now = time.monotonic()
                if now - self._last_changes > self._burst_gap:
                    self._run_started = now
                self._last_changes = now
                for _change, raw in batch:
                    path = Path(raw)
                    signature = _signature(path)
                    handed = self._handed.get(path)
                    if path not in pending and handed is not None and handed[0] == signature:
                        continue  # already handed over as it is now
                    pending[path] = _Pending(signature, now)
                wake.set()
                batch = await anext(changes)
        except StopAsyncIteration:
            return
        finally:
            if not first.done():  # cancelled while waiting for the first changes
                halt.set()
                await asyncio.wait({first}, timeout=5)
            await changes.aclose()

    def _wanted(self, change: Change, raw: str) -> bool:
        """watchfiles filter: keep post files, deleted paths that may be posts or folders, new folders."""
        path = Path(raw)
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        if not parts or any(part.startswith(".") for part in parts[:-1]) or is_noise(path.name):
            return False
        suffix = path.suffix.lower()
        if suffix in _CANDIDATE_SUFFIXES:
            return True  # `.txt`/`.html` need front matter: checked once the file has settled
        if change == Change.deleted:
            return suffix == ""  # maybe a folder of posts; the index removes what was under it
        return change == Change.added and path.is_dir()

    def _take_settled(self, pending: dict[Path, _Pending]) -> set[Path]:
        """Remove and return settled paths once the folder is quiet (or a ripe path waited too long)."""
        if not pending:
            return set()
        now = time.monotonic()
        for path, entry in list(pending.items()):
            signature = _signature(path)
            if signature != entry.signature:
                pending[path] = _Pending(signature, now)  # still being written: wait again
        # Whole files go at once, unless more changes are pouring in: then they wait for a pause
        # (or their settle time), so a burst goes over in a few batches, not one per raw change.
        at_once = self._run_started == self._last_changes or now - self._last_changes >= self._burst_gap
        ripe = {path for path, entry in pending.items()
                if now - entry.since >= self._settle or (at_once and _whole(path, entry))}
        if not ripe:
            return set()
        oldest = min(entry.since for entry in pending.values())
        if len(ripe) < len(pending) and now - oldest < 2 * self._settle:
            return set()  # others are still settling: keep the batch together a little longer
        self._handed = {path: seen for path, seen in self._handed.items() if now - seen[1] < _REMEMBER_HANDED}
        for path in ripe:
            self._handed[path] = (pending.pop(path).signature, now)
        return ripe

    async def _hand_over(self, paths: set[Path]) -> None:
        """Expand new folders, drop non-posts, and call `on_batch` (its errors are logged, not fatal)."""
        batch = await asyncio.to_thread(self._posts_among, paths)
        if not batch:
            return
        try:
            await self._on_batch(batch)
        except Exception:  # a failing index pass must not stop the watch
            log.exception("handling %d changed content paths failed", len(batch))

    def _posts_among(self, paths: Iterable[Path]) -> set[Path]:
        found: set[Path] = set()
        for path in paths:
            if os.path.lexists(path) and not is_inside(path, self.root):
                found.add(path)  # a link out of the folder: never read or walked; the index reports it
            elif path.is_dir():
                found.update(self._posts_under(path))
            elif not path.exists() or is_post_file(path, self.root):
                found.add(path)
        return found

    def _posts_under(self, folder: Path) -> Iterable[Path]:
        found = walk_posts(folder, self.root)  # the scanner's rules: links stay inside, no loops
        return [*found.posts, *found.outside]


def _whole(path: Path, entry: _Pending) -> bool:
    """True when `path` needs no settle wait: it is gone (a deletion, a rename's old name), or it
    is a regular file no process has open for writing (renamed into place, or written and closed)."""
    if entry.signature is None:
        return True
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False  # a new folder: its posts are found when it has settled
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        return _no_writer(fd)
    finally:
        os.close(fd)


def _no_writer(fd: int) -> bool:
    """Linux: a read lease is granted only when no one has the file open for writing. False when
    that cannot be known (no leases here, not the file's owner, a filesystem without leases)."""
    lease, notify = getattr(fcntl, "F_SETLEASE", None), getattr(fcntl, "F_SETSIG", None)
    if lease is None or notify is None or signal.getsignal(signal.SIGPIPE) is not signal.SIG_IGN:
        return False
    try:
        # A writer opening the file while the lease is held makes the kernel signal the holder
        # (SIGIO by default, which would end the process): ask for SIGPIPE, which Python ignores.
        fcntl.fcntl(fd, notify, signal.SIGPIPE)
        fcntl.fcntl(fd, lease, fcntl.F_RDLCK)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EBUSY, errno.EACCES, errno.EINVAL, errno.ENOLCK, errno.EPERM):
            log.debug("cannot tell whether %s is still being written: %s", fd, exc)
        return False
    fcntl.fcntl(fd, lease, fcntl.F_UNLCK)
    return True


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
