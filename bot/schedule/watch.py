"""Watch the content folder and hand over changed post paths in batches, once they are complete.

`watchfiles` (inotify, FSEvents, or polling) reports raw changes; this module drops editor noise
(dotfiles, `~` backups, swap files, `#autosave#`, partial downloads, vim's `4913` probe) and
anything that is not a post, then waits until every changed file has kept the same size and
mtime for `settle_ms`, so a post still being written (or uploaded in chunks) is read once,
whole. Changes that settle together go over together: a rename (`mv a.md b.md`) arrives as one
batch with both paths, and a burst of a thousand new posts as one batch, not a thousand.
Deleted paths pass too, so the index sees removals; a new folder is expanded to the posts in it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from bot.content.boundary import is_inside
from bot.content.loader import MATTER_ONLY_SUFFIXES
from bot.content.scanner import POST_SUFFIXES, is_noise, is_post_file, walk_posts
from bot.waits import first_of

__all__ = ["ContentWatcher", "is_noise"]

log = logging.getLogger("herald.watcher")

_CANDIDATE_SUFFIXES = POST_SUFFIXES | MATTER_ONLY_SUFFIXES


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
        self._settle = settle_ms / 1000
        self._force_polling = force_polling
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
                tick = max(0.02, self._settle / 4) if pending else None
                await first_of(stop, asyncio.wait({collector}), wake, timeout=tick)  # never cancels the collector
                wake.clear()
                if collector.done():
                    collector.result()  # raise what stopped the watch (e.g. the folder is gone)
                    return
                batch = self._take_settled(pending)
                if batch:
                    await self._hand_over(batch)
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
                for _change, raw in batch:
                    path = Path(raw)
                    pending[path] = _Pending(_signature(path), now)
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
        ripe = {path for path, entry in pending.items() if now - entry.since >= self._settle}
        if not ripe:
            return set()
        oldest = min(entry.since for entry in pending.values())
        if len(ripe) < len(pending) and now - oldest < 2 * self._settle:
            return set()  # others are still settling: keep the batch together a little longer
        for path in ripe:
            del pending[path]
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


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
