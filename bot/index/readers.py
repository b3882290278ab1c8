"""Reading changed files off the event loop, a few batches ahead of the writer.

A small pass (the watcher's single files, a handful of edits) reads in one thread; a big one (a
first index, a restored backup) parses in worker processes, `min(2, cpu count)` of them, started
for that pass and shut down after it, so an idle Herald holds no extra processes. Batches come
back in order while the caller writes the previous one; only a few are held at once.

A batch whose reader fails (an unexpected exception, a worker process that died) is read again
file by file in a fresh reader; a file that breaks that too is reported as a problem, never a
lost batch.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from bot.content.article import Problem, ProblemKind
from bot.content.config import ContentConfig
from bot.index.read import ReadFile, read_batch
from bot.index.walk import FoundFile

if TYPE_CHECKING:
    from bot.store.index_rows import IndexedRow
    from bot.summary import SummaryConfig

log = logging.getLogger("herald.index")

ReadBatch = Callable[[list[FoundFile], "Mapping[str, IndexedRow]", ContentConfig, "SummaryConfig"], list[ReadFile]]
"""Reads one batch (`read_batch`); a module-level function, so worker processes can run it."""

PROCESS_THRESHOLD = 2_000
"""Changed files from which a pass parses in worker processes (below, one thread: starting
processes costs more than it saves)."""

CRASH_REASON = "reading this file stopped its reader (a crash in the parser); it is skipped until it changes"


def worker_count() -> int:
    """Worker processes for a big pass: two at most (the reference machine has two cores)."""
    return max(1, min(2, os.cpu_count() or 1))


class Readers:
    """Reads batches of changed files for one pass: in a thread, or in worker processes."""

    def __init__(
        self,
        content: ContentConfig,
        summary: SummaryConfig,
        *,
        read: ReadBatch | None = None,
        workers: int | None = None,
        threshold: int = PROCESS_THRESHOLD,
    ) -> None:
        self._content = content
        self._summary = summary
        self._read = read
        """The batch reader; None: this module's `read_batch`, looked up at each call."""
        self._workers = worker_count() if workers is None else workers
        self._threshold = threshold
        self.used_processes = False
        """Whether the last pass used worker processes (for tests and benchmarks)."""

    async def batches(
        self, files: Sequence[FoundFile], by_path: Mapping[str, IndexedRow], size: int
    ) -> AsyncGenerator[list[ReadFile], None]:
        """Yield the files read, `size` at a time and in order (one empty batch when there are none).

        While the caller handles one batch the next ones are being read: one ahead in a thread,
        two per worker with processes. Use it with `contextlib.aclosing`, so an early stop shuts
        the workers down.
        """
        chunks = [list(files[at : at + size]) for at in range(0, len(files), size)] or [[]]
        use_processes = len(files) >= self._threshold and self._workers > 1
        self.used_processes = use_processes
        pool = _Pool(self._workers) if use_processes else None
        ahead = 2 * self._workers if use_processes else 1
        pending: deque[tuple[list[FoundFile], dict[str, IndexedRow], asyncio.Future[list[ReadFile]]]] = deque()
        waiting = iter(chunks)

        def submit() -> None:
            chunk = next(waiting, None)
            if chunk is None:
                return
            rows = {f.rel: by_path[f.rel] for f in chunk if f.rel in by_path}
            pending.append((chunk, rows, self._start(pool, chunk, rows)))

        try:
            for _ in range(ahead):
                submit()
            while pending:
                chunk, rows, future = pending.popleft()
                try:
                    reads = await future
                except Exception as exc:  # a dead worker, or a reader that raised: read file by file
                    log.exception("reading a batch of %d files failed (%s); reading them one by one",
                                  len(chunk), type(exc).__name__)
                    reads = await self._one_by_one(pool, chunk, rows)
                submit()
                yield reads
        finally:
            for _, _, future in pending:
                future.cancel()
            if pool is not None:
                await pool.close()

    def _start(
        self, pool: _Pool | None, chunk: list[FoundFile], rows: dict[str, IndexedRow]
    ) -> asyncio.Future[list[ReadFile]]:
        loop = asyncio.get_running_loop()
        executor: Executor | None = pool.executor() if pool is not None else None
        return loop.run_in_executor(executor, self._read or read_batch, chunk, rows, self._content, self._summary)

    async def _one_by_one(
        self, pool: _Pool | None, chunk: list[FoundFile], rows: dict[str, IndexedRow]
    ) -> list[ReadFile]:
        """Read each file of a failed batch on its own; one that fails again is a problem."""
        reads: list[ReadFile] = []
        for file in chunk:
            one = {file.rel: rows[file.rel]} if file.rel in rows else {}
            try:
                reads.extend(await self._start(pool, [file], one))
            except Exception as exc:
                if pool is not None and isinstance(exc, BrokenProcessPool):
                    pool.broken()  # the next file starts a fresh pool
                log.exception("cannot read %s: its reader failed (%s)", file.rel, type(exc).__name__)
                reads.append(ReadFile(file, "", problems=(Problem(file.rel, ProblemKind.UNREADABLE, CRASH_REASON),)))
        return reads


class _Pool:
    """Worker processes for one pass, started on first use; a broken pool is replaced."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._old: list[ProcessPoolExecutor] = []

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is not None and getattr(self._executor, "_broken", False):
            self.broken()  # a worker died: its pool refuses new work
        if self._executor is None:
            # spawn: a clean interpreter (forking a process that runs threads and an event loop is unsafe)
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self._workers, mp_context=context)
        return self._executor

    def broken(self) -> None:
        """Forget a pool whose worker died (the next batch starts a new one)."""
        if self._executor is not None:
            self._old.append(self._executor)
            self._executor = None

    async def close(self) -> None:
        """Shut every pool down (off the event loop: it waits for the workers to exit)."""
        executors = [*self._old, *([self._executor] if self._executor is not None else [])]
        self._executor, self._old = None, []
        for executor in executors:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
