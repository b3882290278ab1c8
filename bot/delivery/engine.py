"""The delivery workers: claim due outbox rows, render them per platform, send them under the
platform's rate limits, and record each outcome (sent, retry later, stop, move, plain text).

Crash safety comes from the lease: a claimed row is `sending` until its outcome is written; if
the process dies, the lease runs out and another worker sends it. So a kill -9 loses nothing,
and at most the rows that were in flight at that moment can be sent twice.

A database outage is not a crash: sends already made are kept in memory and written when the
database answers again (`bot.delivery.recorder`), claiming pauses until they are, the leases of
rows held in memory are renewed, and a row held in memory is never claimed again. So an outage
neither loses nor doubles a message.

This module is the loop: claim, hand rows to workers, renew leases, idle until the next row is
due, hand back what is left on stop. The parts live next door: the in-memory backlog of claimed
rows (`backlog`), sending one row and writing its outcome (`broadcast`), writing sent outcomes
(`recorder`), command replies ahead of broadcasts (`replies`), outcome logs and metrics
(`outcomes`), and the backoff and send-retry definitions (`retry`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery import outbox
from bot.delivery.backlog import Backlog
from bot.delivery.broadcast import RowSender
from bot.delivery.outbox import Claimed
from bot.delivery.outcomes import DeliveryObserver, Outcomes
from bot.delivery.outlet import Outlet
from bot.delivery.ratelimit import RateLimiter, RateLimits
from bot.delivery.recorder import SentQueue, SentRecorder
from bot.delivery.replies import ReplySender
from bot.delivery.retry import database_backoff
from bot.delivery.sending import SendPath
from bot.delivery.shards import WHOLE, Partition
from bot.request import Request
from bot.waits import first_of

log = logging.getLogger("herald.delivery")

__all__ = ["DeliveryEngine", "DeliveryObserver"]

_RECORD_GRACE = 60.0
"""On stop, how long unwritten outcomes are retried before they are given up (and logged)."""


class DeliveryEngine:
    """Send what is in the outbox, for the platforms it has outlets for."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outlets: Mapping[str, Outlet],
        *,
        clock: Clock,
        limits: Mapping[str, RateLimits],
        worker_id: str,
        concurrency: int = 8,
        max_attempts: int = 6,
        base_backoff: float = 2.0,
        lease_seconds: float = 60,
        poll_seconds: float = 5.0,
        rng: random.Random | None = None,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._path = SendPath(sessions, clock, Outcomes(observer), {}, {})
        for name, outlet in outlets.items():
            self._path.add(outlet, limits.get(name, RateLimits()))
        self._worker = worker_id
        self._concurrency = max(1, concurrency)
        self._batch = max(16, 4 * self._concurrency)
        self._lease = timedelta(seconds=lease_seconds)
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._replies = ReplySender(self._path)
        self._partition = WHOLE
        self._dead_after: float | None = None
        self._active = asyncio.Event()
        """Clear while this replica is cut off from the others (`suspend`): nothing is claimed or started."""
        self._active.set()
        self._backlog: Backlog | None = None
        self._held: set[int] = set()
        """Rows claimed by this engine and not finished: queued, being sent, or sent with the
        outcome not written yet. They are never claimed again, and their leases are renewed."""
        self._sent = SentRecorder(sessions, clock=clock, worker=worker_id, written=self._held.difference_update)
        self._rows = RowSender(
            self._path, worker=worker_id, max_attempts=max_attempts, base_backoff=base_backoff,
            rng=rng or random.Random(), retired=self._retired,
        )  # fmt: skip
        self.on_retired: Callable[[str, str, str], Awaitable[None]] | None = None
        """Told (platform, channel, reason) when a target is stopped for good (blocked, removed,
        no permission to post), so the app can tell someone."""

    def add_outlet(self, outlet: Outlet, limits: RateLimits) -> None:
        """Register a platform's outlet (platforms are built after the engine they send through)."""
        self._path.add(outlet, limits)
        self._path.limiters[outlet.name].share(1.0 / self._partition.count)

    def share(self, partition: Partition) -> None:
        """Send only this replica's part of the targets, at its part of each platform's overall
        rate (`bot.delivery.shards`); `WHOLE` when it is the only one. Rows already claimed are
        still sent here; a chat that changed hands is paced by its new sender from its next row."""
        if partition == self._partition:
            return
        self._partition = partition
        for limiter in self._path.limiters.values():
            limiter.share(1.0 / partition.count)
        self._wake.set()

    def suspend(self) -> None:
        """Stop claiming and starting sends (this replica could not renew its heartbeat: the others
        will take it for dead and send what it holds): the rows claimed and not started are let go
        here (their `sending` rows are taken over), sends under way finish."""
        self._active.clear()
        if self._backlog is not None:
            dropped = self._backlog.let_go_all()
            self._held.difference_update(job.id for job in dropped)
            if dropped:
                log.warning("cut off from the other replicas: %d claimed deliveries left to them", len(dropped))

    def resume(self) -> None:
        """Claim and send again (the heartbeat was renewed)."""
        self._active.set()
        self._wake.set()

    def take_over_after(self, seconds: float) -> None:
        """Claim rows held by a replica whose heartbeat is `seconds` old (replicas on PostgreSQL)."""
        self._dead_after = seconds

    @property
    def worker(self) -> str:
        """This engine's worker id: the rows it holds name it."""
        return self._worker

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The database the outbox is in."""
        return self._sessions

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms this engine has outlets for."""
        return frozenset(self._path.outlets)

    @property
    def partition(self) -> Partition:
        """This replica's part of the targets."""
        return self._partition

    def limiter(self, platform: str) -> RateLimiter:
        """Return the rate limiter of one platform (shared by broadcasts and replies)."""
        return self._path.limiters[platform]

    def wake(self) -> None:
        """Tell a running engine that new rows are due (after a fan-out), so it stops idling."""
        self._wake.set()

    async def drain(self) -> None:
        """Send every row that is due now, and return when none is left.

        It first looks (a read) whether anything is due at all: with nothing due it writes
        nothing, so a process stopping with an empty outbox never waits on the database's write
        lock."""
        if not self._unwritten_or_held():
            upcoming = await outbox.next_due(self._sessions, platforms=self._path.outlets, partition=self._partition)
            if upcoming is None or upcoming > self._clock.now():
                return
        await self._process(stop=None)

    def _unwritten_or_held(self) -> bool:
        """Whether sends made here still wait to be written, or rows are held in memory."""
        return bool(self._held) or bool(self._sent.unwritten)

    async def run(self, stop: asyncio.Event) -> None:
        """Send rows as they become due until `stop` is set; leased rows are handed back."""
        await self._process(stop=stop)

    async def send_reply(self, platform: str, channel_id: str, requests: list[Request]) -> str:
        """Send a command reply now, ahead of broadcast traffic; return the first message id
        (see `ReplySender.send`: in order per channel, short rate limits waited out, a moved
        channel followed, `Transient`, `BadFormat`, `Gone` and long `RateLimited` raised)."""
        return await self._replies.send(platform, channel_id, requests)

    # -- the loop ------------------------------------------------------------------------

    async def _process(self, stop: asyncio.Event | None) -> None:
        backlog = self._backlog = Backlog()
        sent = self._sent.run()
        tasks = [asyncio.create_task(self._work(backlog, sent)) for _ in range(self._concurrency)]
        writer = asyncio.create_task(sent.write())
        keeper = asyncio.create_task(self._renew_leases())
        claiming = database_backoff()
        stopped = () if stop is None else (stop,)
        try:
            while stop is None or not stop.is_set():
                if not self._active.is_set():  # cut off from the other replicas
                    if stop is None:
                        break  # draining: what is left is theirs to send now
                    await first_of(self._active, *stopped)
                    continue
                was_idle = backlog.open == 0
                if backlog.open <= self._concurrency:  # claim before the workers run dry
                    if not self._sent.database_up.is_set():
                        # Sends whose outcome is not written yet: claim nothing until it is.
                        await first_of(self._sent.database_up, *stopped)
                        continue
                    try:
                        claimed = await self._claim(self._batch - backlog.open)
                    except Exception as exc:
                        if stop is None:
                            raise
                        pause = min(self._poll, claiming.next())
                        log.warning("cannot claim deliveries (%s); trying again in %.1fs",
                                    type(exc).__name__, pause)
                        await first_of(*stopped, self._clock.sleep(pause))
                        continue
                    claiming.reset()
                    backlog.add(claimed)
                if backlog.open == 0:
                    if not was_idle:  # rows finished during that claim may be due again: look
                        continue
                    await sent.all_written()
                    if stop is None:
                        break  # nothing due, nothing in flight: drained
                    await self._idle(stop)
                    continue
                backlog.changed.clear()
                await first_of(backlog.changed, *stopped)
        finally:
            leftover = backlog.take_queued()
            await backlog.settled()
            if not await sent.flushed(within=_RECORD_GRACE):
                log.error("%d sent deliveries could not be recorded before stopping: their rows "
                          "stay `sending` and are sent again when their lease runs out",
                          len(self._sent.unwritten))
            for task in (*tasks, writer, keeper):
                task.cancel()
            await asyncio.gather(*tasks, writer, keeper, return_exceptions=True)
            self._held.difference_update(job.id for job in leftover)
            try:
                await outbox.release(self._sessions, leftover, worker=self._worker)
            except Exception as exc:  # noqa: BLE001 - their leases run out: taken again later
                log.warning("could not hand back %d claimed deliveries (%s)", len(leftover), type(exc).__name__)

    async def _claim(self, limit: int) -> list[Claimed]:
        now = self._clock.now()
        claimed = await outbox.claim(
            self._sessions,
            platforms=self._path.outlets,
            worker=self._worker,
            now=now,
            lease_until=now + self._lease,
            limit=limit,
            exclude=self._held,
            partition=self._partition,
            dead_after=self._dead_after,
        )
        self._held.update(job.id for job in claimed)
        return claimed

    async def _renew_leases(self) -> None:
        """Every third of a lease, push the leases of the rows this engine holds further on.

        It waits in real time: a test's manual clock must not be moved by a background task."""
        every = max(0.05, self._lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(every)
            if not self._held:
                continue
            try:
                await outbox.extend_leases(
                    self._sessions, set(self._held), worker=self._worker,
                    until=self._clock.now() + self._lease,
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - the database is down: try at the next turn
                log.warning("could not renew %d leases (%s)", len(self._held), type(exc).__name__)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Sleep until the next row is due, a fan-out wakes us, or `stop` is set."""
        upcoming = await outbox.next_due(self._sessions, platforms=self._path.outlets, partition=self._partition)
        delay = self._poll
        if upcoming is not None:
            # never spin: a due row another worker holds locked is skipped, not claimed
            delay = min(delay, max(0.01, (upcoming - self._clock.now()).total_seconds()))
        try:
            await first_of(self._wake, stop, self._clock.sleep(delay))
        finally:
            self._wake.clear()

    async def _work(self, backlog: Backlog, sent: SentQueue) -> None:
        while True:
            generation, job = await backlog.queue.get()
            try:
                async with backlog.one_at_a_time(job):
                    if not backlog.is_stale(generation, job):
                        await self._rows.deliver(job, generation, backlog, sent)
            except asyncio.CancelledError:
                raise
            except (SQLAlchemyError, OSError) as exc:  # the database is down: the row was not
                # sent (a send's outcome is kept in memory), so it is simply taken again later
                log.warning("delivery %d to %s:%s not recorded (%s); it will be retried",
                            job.id, job.platform, job.channel_id, type(exc).__name__)
            except Exception:  # a bug: the lease runs out and the row is retried
                log.exception("delivery %d to %s:%s crashed", job.id, job.platform, job.channel_id)
            finally:
                if job.id not in self._sent.unwritten:  # else the writer lets go once it is recorded
                    self._held.discard(job.id)
                backlog.done()

    async def _retired(self, platform: str, channel_id: str, reason: str) -> None:
        if self.on_retired is None:
            return
        try:
            await self.on_retired(platform, channel_id, reason)
        except Exception:  # telling someone must never break delivery
            log.exception("could not report that %s:%s was stopped", platform, channel_id)
