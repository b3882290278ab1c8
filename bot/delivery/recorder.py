"""Recording successful sends: outcomes are written in batches, one statement for whatever was
sent while the last one was written (`WRITE_WINDOW`), and while the database is away they are
kept in memory and written when it answers again (trying with backoff). Until they are written
their rows stay held (leases renewed, never claimed again) and, during an outage, `database_up`
is clear and the engine claims nothing, so an outage neither loses nor doubles a message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery import outbox
from bot.delivery.outbox import SentRecord
from bot.delivery.retry import database_backoff
from bot.waits import first_of

log = logging.getLogger("herald.delivery")

__all__ = ["WRITE_WINDOW", "SentQueue", "SentRecord", "SentRecorder"]

WRITE_WINDOW = 0.0
"""Seconds the writer waits for more sends before writing: none. Each write takes whatever
finished while the last one was under way (a group commit), so at 1,000 messages/s a statement
carries dozens of sends, while at 30/s each send is written within milliseconds: a send made and
not yet written is sent again if the process is killed, so that window is kept as short as the
database allows (one send at most in `tests/test_replicas_broadcast.py`'s kill -9)."""


class SentRecorder:
    """What one engine knows about its sends on their way to the database, across its runs."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        worker: str,
        written: Callable[[Iterable[int]], None],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker
        self.written = written
        """Told the ids of rows once their `sent` outcome is in the database."""
        self.unwritten: set[int] = set()
        """Rows sent whose `sent` outcome is not in the database yet."""
        self.database_up = asyncio.Event()
        """Clear while sends cannot be written: claim nothing until they are."""
        self.database_up.set()

    def run(self) -> SentQueue:
        """Return the queue of one delivery run (its writer task is `SentQueue.write`)."""
        return SentQueue(self)


class SentQueue:
    """The successful sends of one delivery run, and their writer."""

    def __init__(self, recorder: SentRecorder) -> None:
        self._recorder = recorder
        self._queue: asyncio.Queue[SentRecord] = asyncio.Queue()
        self._waiting = 0
        self._hurry = asyncio.Event()
        """Set while someone waits for every send to be written: write without a window."""

    def sent(self, row_id: int, message_id: str, at: datetime) -> None:
        """Record that row `row_id` was sent (as message `message_id`; "" when unknown)."""
        self._recorder.unwritten.add(row_id)
        self._queue.put_nowait(SentRecord(row_id, message_id, at))

    async def all_written(self) -> None:
        """Wait until every recorded send is written (at once: no window while anyone waits)."""
        self._waiting += 1
        self._hurry.set()
        try:
            await self._queue.join()
        finally:
            self._waiting -= 1
            if not self._waiting:
                self._hurry.clear()

    async def flushed(self, within: float) -> bool:
        """Wait until every recorded send is written, `within` seconds at most; say whether."""
        try:
            await asyncio.wait_for(self.all_written(), within)
        except TimeoutError:
            return False
        return True

    async def write(self) -> None:
        """Write successful sends in batches: whatever finished within `WRITE_WINDOW` of the
        first (no wait by default), or while the last batch was written.

        A batch that cannot be written is kept and tried again, with backoff, together with what
        is sent meanwhile; until it is written, `database_up` is clear. Runs until cancelled.
        """
        recorder, sent = self._recorder, self._queue
        writer = outbox.SentWriter(recorder.sessions, worker=recorder.worker)
        try:
            await self._write_batches(recorder, sent, writer)
        finally:
            await writer.close()

    async def _write_batches(
        self, recorder: SentRecorder, sent: asyncio.Queue[SentRecord], writer: outbox.SentWriter
    ) -> None:
        while True:
            batch = [await sent.get()]
            if WRITE_WINDOW > 0 and not self._hurry.is_set():
                await first_of(self._hurry, timeout=WRITE_WINDOW)
            else:
                await asyncio.sleep(0)  # sends finishing in this same turn of the loop join the batch
            backoff, failures = database_backoff(), 0
            while True:
                while not sent.empty():
                    batch.append(sent.get_nowait())
                try:
                    await writer.write(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the database is down: keep them, try again
                    failures += 1
                    recorder.database_up.clear()
                    wait = backoff.next()
                    log.warning("could not record %d sent deliveries (%s); trying again in %.1fs",
                                len(batch), type(exc).__name__, wait)
                    await recorder.clock.sleep(wait)
                    continue
                break
            if failures:
                log.warning("recorded %d sent deliveries after %d failed tries", len(batch), failures)
            recorder.database_up.set()
            ids = [record.id for record in batch]
            recorder.unwritten.difference_update(ids)
            recorder.written(ids)
            for _ in batch:
                sent.task_done()
