"""The delivery workers: claim due outbox rows, render them per platform, send them under the
platform's rate limits, and record each outcome (sent, retry later, stop, move, plain text).

Crash safety comes from the lease: a claimed row is `sending` until its outcome is written; if
the process dies, the lease runs out and another worker sends it. So a kill -9 loses nothing,
and at most the rows that were in flight at that moment can be sent twice.

A database outage is not a crash: sends already made are kept in memory and written when the
database answers again (retrying with backoff), claiming pauses until they are, the leases of
rows held in memory are renewed, and a row held in memory is never claimed again. So an outage
neither loses nor doubles a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands.i18n import language_of
from bot.delivery import outbox
from bot.delivery.errors import Ambiguous, BadFormat, Gone, Migrated, RateLimited, Transient
from bot.delivery.outbox import Claimed, SentRecord
from bot.delivery.outlet import Outlet
from bot.delivery.ratelimit import RateLimiter, RateLimits
from bot.logs import logfmt
from bot.request import Request
from bot.store.articles import summary_of
from bot.store.models import ArticleRow
from bot.summary.model import Summary

log = logging.getLogger("herald.delivery")

_RECORD_BACKOFF = (0.25, 10.0)
"""First and longest wait between two tries to write outcomes while the database is down."""
_RECORD_GRACE = 60.0
"""On stop, how long unwritten outcomes are retried before they are given up (and logged)."""
_REPLY_TRIES = 5
_REPLY_MAX_WAIT = 10.0
"""A command reply waits out a rate limit this long at most; past that it is reported late."""


class DeliveryObserver(Protocol):
    """Who counts outcomes (the metrics): `delivery` per outcome, `rate_limit_wait` per pause."""

    def delivery(self, platform: str, outcome: str, latency: float | None = None) -> None: ...

    def rate_limit_wait(self, platform: str, seconds: float) -> None: ...

    def ambiguous_send(self, platform: str) -> None: ...


_METRIC_OUTCOMES = {
    "retry": "retried",
    "rate-limited": "rate_limited",
    "gone": "deactivated",
    "moved": "migrated",
    "resend-plain": "plain_fallback",
    "ambiguous": "sent",
}


class _Skip(Exception):
    """This row cannot be rendered (article gone or unrenderable); fail it without sending."""


class _Backlog:
    """Claimed rows waiting for a worker, and how many claimed rows are not finished yet."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int, Claimed]] = asyncio.Queue()
        self.open = 0
        self.changed = asyncio.Event()
        self.generation = 0
        self._targets: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}
        self.stale: dict[tuple[str, str], int] = {}
        """Targets stopped or moved, with the claim generation then: the rows we held for them
        were already failed or moved in the database, so they must not be sent."""

    def add(self, jobs: list[Claimed]) -> None:
        if not jobs:
            return
        self.generation += 1
        for job in jobs:
            self.queue.put_nowait((self.generation, job))
        self.open += len(jobs)

    def mark_stale(self, platform: str, channel_id: str) -> None:
        self.stale[(platform, channel_id)] = self.generation

    def is_stale(self, generation: int, job: Claimed) -> bool:
        return self.stale.get((job.platform, job.channel_id), -1) >= generation

    def done(self) -> None:
        self.open -= 1
        if self.open == 0:
            self.stale.clear()  # no row held from before any of them remains
        self.changed.set()

    @contextlib.asynccontextmanager
    async def one_at_a_time(self, job: Claimed) -> AsyncIterator[None]:
        """Hold the job's target: its messages go out in order, and once a send finds it gone
        or moved, the rows still waiting for it see that before sending."""
        key = (job.platform, job.channel_id)
        entry = self._targets.setdefault(key, (asyncio.Lock(), [0]))
        entry[1][0] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1][0] -= 1
            if entry[1][0] == 0:
                del self._targets[key]

    def take_queued(self) -> list[Claimed]:
        """Remove and return the rows no worker has started on."""
        taken = []
        while not self.queue.empty():
            taken.append(self.queue.get_nowait()[1])
            self.open -= 1
        return taken

    async def settled(self) -> None:
        """Wait until every started row is finished."""
        while self.open > 0:
            self.changed.clear()
            await self.changed.wait()


async def _first(*waits: asyncio.Event | Coroutine[Any, Any, Any] | None) -> None:
    """Wait until the first of these events is set (or coroutine finishes); None is ignored."""
    tasks = [
        asyncio.create_task(w.wait() if isinstance(w, asyncio.Event) else w)
        for w in waits
        if w is not None
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _backoff(failures: int) -> float:
    """Return the wait before the next try after `failures` failed ones (doubling, capped)."""
    first, longest = _RECORD_BACKOFF
    return min(longest, first * 2 ** max(0, failures - 1))


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
        self._outlets = dict(outlets)
        self._clock = clock
        self._limiters = {
            name: RateLimiter(limits.get(name, RateLimits()), clock) for name in self._outlets
        }
        self._worker = worker_id
        self._concurrency = max(1, concurrency)
        self._batch = max(16, 4 * self._concurrency)
        self._max_attempts = max(1, max_attempts)
        self._base_backoff = base_backoff
        self._lease = timedelta(seconds=lease_seconds)
        self._poll = poll_seconds
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._observer = observer
        # One lock per channel a reply is being sent to; idle ones are dropped by the GC.
        self._reply_locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._summaries: OrderedDict[int, tuple[datetime, Summary]] = OrderedDict()
        self._held: set[int] = set()
        """Rows claimed by this engine and not finished: queued, being sent, or sent with the
        outcome not written yet. They are never claimed again, and their leases are renewed."""
        self._unwritten: set[int] = set()
        """Rows sent whose `sent` outcome is not in the database yet."""
        self._database_up = asyncio.Event()
        self._database_up.set()
        self.on_retired: Callable[[str, str, str], Awaitable[None]] | None = None
        """Told (platform, channel, reason) when a target is stopped for good (blocked, removed,
        no permission to post), so the app can tell someone."""

    def add_outlet(self, outlet: Outlet, limits: RateLimits) -> None:
        """Register a platform's outlet (platforms are built after the engine they send through)."""
        self._outlets[outlet.name] = outlet
        self._limiters[outlet.name] = RateLimiter(limits, self._clock)

    def limiter(self, platform: str) -> RateLimiter:
        """Return the rate limiter of one platform (shared by broadcasts and replies)."""
        return self._limiters[platform]

    def wake(self) -> None:
        """Tell a running engine that new rows are due (after a fan-out), so it stops idling."""
        self._wake.set()

    async def drain(self) -> None:
        """Send every row that is due now, and return when none is left."""
        await self._process(stop=None)

    async def run(self, stop: asyncio.Event) -> None:
        """Send rows as they become due until `stop` is set; leased rows are handed back."""
        await self._process(stop=stop)

    async def send_reply(self, platform: str, channel_id: str, requests: list[Request]) -> str:
        """Send a command reply now, ahead of broadcast traffic; return the first message id.

        Replies to one channel go out one at a time and in order, each message taking its own
        rate-limit slot, so a long `/read` neither trips the platform's limits nor interleaves
        with the next answer. Short rate limits are waited out and a moved channel is followed;
        `Transient`, `BadFormat`, `Gone` (after stopping the target) and long `RateLimited` are
        raised; messages already sent are never sent again.
        """
        outlet, limiter = self._outlets[platform], self._limiters[platform]
        lock = self._reply_locks.setdefault((platform, channel_id), asyncio.Lock())
        first = ""
        async with lock:
            for request in requests:
                for _ in range(_REPLY_TRIES):
                    await limiter.acquire(channel_id, outlet.channel_class(channel_id), "reply")
                    try:
                        message_id = await outlet.send(channel_id, [request])
                        break
                    except Ambiguous:  # it may have arrived: never sent twice
                        self._ambiguous(platform)
                        message_id = ""
                        break
                    except RateLimited as exc:
                        limiter.throttled(channel_id, exc.retry_after, everywhere=exc.everywhere)
                        if exc.retry_after > _REPLY_MAX_WAIT:
                            raise
                    except Migrated as exc:
                        now = self._clock.now()
                        await outbox.move_target(
                            self._sessions, platform, channel_id, exc.new_channel_id, now=now
                        )
                        self._log(None, platform, channel_id, "moved", exc.new_channel_id)
                        channel_id = exc.new_channel_id
                    except Gone as exc:
                        await outbox.retire_target(
                            self._sessions, platform, channel_id, reason=exc.reason, now=self._clock.now()
                        )
                        self._log(None, platform, channel_id, "gone", exc.reason)
                        raise
                else:
                    raise Transient(f"reply to {platform}:{channel_id} not sent after {_REPLY_TRIES} tries")
                first = first or message_id
        return first

    # -- the loop ------------------------------------------------------------------------

    async def _process(self, stop: asyncio.Event | None) -> None:
        backlog = _Backlog()
        sent: asyncio.Queue[SentRecord] = asyncio.Queue()
        tasks = [asyncio.create_task(self._work(backlog, sent)) for _ in range(self._concurrency)]
        writer = asyncio.create_task(self._write_sent(sent))
        keeper = asyncio.create_task(self._renew_leases())
        failures = 0
        try:
            while stop is None or not stop.is_set():
                was_idle = backlog.open == 0
                if backlog.open <= self._concurrency:  # claim before the workers run dry
                    if not self._database_up.is_set():
                        # Sends whose outcome is not written yet: claim nothing until it is.
                        await _first(self._database_up, stop)
                        continue
                    try:
                        claimed = await self._claim(self._batch - backlog.open)
                    except Exception as exc:
                        if stop is None:
                            raise
                        failures += 1
                        pause = min(self._poll, _backoff(failures))
                        log.warning("cannot claim deliveries (%s); trying again in %.1fs",
                                    type(exc).__name__, pause)
                        await _first(stop, self._clock.sleep(pause))
                        continue
                    failures = 0
                    backlog.add(claimed)
                if backlog.open == 0:
                    if not was_idle:  # rows finished during that claim may be due again: look
                        continue
                    await sent.join()
                    if stop is None:
                        break  # nothing due, nothing in flight: drained
                    await self._idle(stop)
                    continue
                backlog.changed.clear()
                await _first(backlog.changed, stop)
        finally:
            leftover = backlog.take_queued()
            await backlog.settled()
            try:
                await asyncio.wait_for(sent.join(), _RECORD_GRACE)
            except TimeoutError:
                log.error("%d sent deliveries could not be recorded before stopping: their rows "
                          "stay `sending` and are sent again when their lease runs out",
                          len(self._unwritten))
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
            platforms=self._outlets,
            worker=self._worker,
            now=now,
            lease_until=now + self._lease,
            limit=limit,
            exclude=self._held,
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
        upcoming = await outbox.next_due(self._sessions, platforms=self._outlets)
        delay = self._poll
        if upcoming is not None:
            # never spin: a due row another worker holds locked is skipped, not claimed
            delay = min(delay, max(0.01, (upcoming - self._clock.now()).total_seconds()))
        try:
            await _first(self._wake, stop, self._clock.sleep(delay))
        finally:
            self._wake.clear()

    async def _write_sent(self, sent: asyncio.Queue[SentRecord]) -> None:
        """Write successful sends in batches: whatever finished while the last batch was written.

        A batch that cannot be written is kept and tried again, with backoff, together with what
        is sent meanwhile; until it is written, no new row is claimed (`_database_up`).
        """
        while True:
            batch = [await sent.get()]
            failures = 0
            while True:
                while not sent.empty():
                    batch.append(sent.get_nowait())
                try:
                    await outbox.mark_sent(self._sessions, batch, worker=self._worker)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the database is down: keep them, try again
                    failures += 1
                    self._database_up.clear()
                    wait = _backoff(failures)
                    log.warning("could not record %d sent deliveries (%s); trying again in %.1fs",
                                len(batch), type(exc).__name__, wait)
                    await self._clock.sleep(wait)
                    continue
                break
            if failures:
                log.warning("recorded %d sent deliveries after %d failed tries", len(batch), failures)
            self._database_up.set()
            for record in batch:
                self._unwritten.discard(record.id)
                self._held.discard(record.id)
                sent.task_done()

    async def _work(self, backlog: _Backlog, sent: asyncio.Queue[SentRecord]) -> None:
        while True:
            generation, job = await backlog.queue.get()
            try:
                async with backlog.one_at_a_time(job):
                    if not backlog.is_stale(generation, job):
                        await self._deliver(job, generation, sent, backlog)
            except asyncio.CancelledError:
                raise
            except (SQLAlchemyError, OSError) as exc:  # the database is down: the row was not
                # sent (a send's outcome is kept in memory), so it is simply taken again later
                log.warning("delivery %d to %s:%s not recorded (%s); it will be retried",
                            job.id, job.platform, job.channel_id, type(exc).__name__)
            except Exception:  # a bug: the lease runs out and the row is retried
                log.exception("delivery %d to %s:%s crashed", job.id, job.platform, job.channel_id)
            finally:
                if job.id not in self._unwritten:  # else the writer lets go once it is recorded
                    self._held.discard(job.id)
                backlog.done()

    # -- one delivery --------------------------------------------------------------------

    async def _deliver(
        self, job: Claimed, generation: int, sent: asyncio.Queue[SentRecord], backlog: _Backlog
    ) -> None:
        outlet, limiter = self._outlets[job.platform], self._limiters[job.platform]
        try:
            requests = outlet.render(
                await self._summary(job.article_id), plain=job.plain, lang=language_of(job.lang)
            )
        except _Skip as exc:
            return await self._fail(job, str(exc), job.attempts)
        except Exception as exc:  # noqa: BLE001 - rendering is deterministic: retrying would not help
            return await self._fail(job, f"cannot render: {type(exc).__name__}: {exc}", job.attempts)
        cls = outlet.channel_class(job.channel_id)
        wait = limiter.delay(job.channel_id, cls)
        if wait > limiter.limits.defer_after:  # free the worker for other channels meanwhile
            due = self._clock.now() + timedelta(seconds=wait)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=due, attempts=job.attempts
            )
            return
        waited = time.monotonic()
        await limiter.acquire(job.channel_id, cls, "broadcast")
        waited = time.monotonic() - waited
        if self._observer is not None and waited > 0.001:
            self._observer.rate_limit_wait(job.platform, waited)
        if backlog.is_stale(generation, job):  # stopped or moved while this row waited its turn
            return
        started = time.monotonic()
        try:
            message_id = await outlet.send(job.channel_id, requests)
        except RateLimited as exc:
            if limiter.throttled(job.channel_id, exc.retry_after, everywhere=exc.everywhere):
                log.warning("%s throttles every chat: all sends paused for %gs, then slower for a while",
                            job.platform, exc.retry_after)
            due = self._clock.now() + timedelta(seconds=exc.retry_after)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=due, attempts=job.attempts,
                error=exc.reason,
            )  # fmt: skip
            self._log(job.article_id, job.platform, job.channel_id, "rate-limited", exc.reason)
        except Ambiguous as exc:
            # Written, never answered: it may well have arrived. Sending it again could give the
            # chat a second copy, so it counts as sent (without a message id to edit later).
            self._unwritten.add(job.id)
            sent.put_nowait(SentRecord(job.id, "", self._clock.now()))
            self._ambiguous(job.platform)
            self._log(job.article_id, job.platform, job.channel_id, "ambiguous",
                      f"recorded as sent, not resent: {exc.reason}")
        except Transient as exc:
            await self._retry(job, exc.reason)
        except Gone as exc:
            await outbox.retire_target(
                self._sessions, job.platform, job.channel_id, reason=exc.reason,
                now=self._clock.now(), worker=self._worker,
            )  # fmt: skip
            backlog.mark_stale(job.platform, job.channel_id)
            self._log(job.article_id, job.platform, job.channel_id, "gone", exc.reason)
            await self._retired(job.platform, job.channel_id, exc.reason)
        except Migrated as exc:
            if job.attempts + 1 >= self._max_attempts:
                return await self._fail(job, exc.reason, job.attempts + 1)
            await outbox.move_target(
                self._sessions, job.platform, job.channel_id, exc.new_channel_id,
                now=self._clock.now(), claimed=job, worker=self._worker,
            )  # fmt: skip
            backlog.mark_stale(job.platform, job.channel_id)
            self._log(job.article_id, job.platform, job.channel_id, "moved", exc.new_channel_id)
        except BadFormat as exc:
            if job.plain:
                return await self._fail(job, exc.reason, job.attempts + 1)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=self._clock.now(),
                attempts=job.attempts + 1, plain=True, error=exc.reason,
            )  # fmt: skip
            self._log(job.article_id, job.platform, job.channel_id, "resend-plain", exc.reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - its text may carry secrets: keep the type only
            await self._retry(job, f"unexpected {type(exc).__name__} while sending")
        else:
            self._unwritten.add(job.id)
            sent.put_nowait(SentRecord(job.id, str(message_id), self._clock.now()))
            self._log(job.article_id, job.platform, job.channel_id, "sent", str(message_id),
                      latency=time.monotonic() - started)

    async def _retired(self, platform: str, channel_id: str, reason: str) -> None:
        if self.on_retired is None:
            return
        try:
            await self.on_retired(platform, channel_id, reason)
        except Exception:  # telling someone must never break delivery
            log.exception("could not report that %s:%s was stopped", platform, channel_id)

    def _ambiguous(self, platform: str) -> None:
        count = getattr(self._observer, "ambiguous_send", None)
        if count is not None:
            count(platform)

    async def _retry(self, job: Claimed, reason: str) -> None:
        attempts = job.attempts + 1
        if attempts >= self._max_attempts:
            return await self._fail(job, reason, attempts)
        backoff = self._base_backoff * 2**job.attempts * self._rng.uniform(0.8, 1.2)
        due = self._clock.now() + timedelta(seconds=backoff)
        await outbox.reschedule(
            self._sessions, job, worker=self._worker, due_at=due, attempts=attempts, error=reason
        )
        self._log(job.article_id, job.platform, job.channel_id, "retry", f"in {backoff:.1f}s: {reason}")

    async def _fail(self, job: Claimed, reason: str, attempts: int) -> None:
        await outbox.fail(self._sessions, job, worker=self._worker, error=reason, attempts=attempts)
        self._log(job.article_id, job.platform, job.channel_id, "failed", reason)

    async def _summary(self, article_id: int) -> Summary:
        """Return the article's summary, cached briefly: a broadcast renders one article often."""
        now = self._clock.now()
        cached = self._summaries.get(article_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._sessions() as session:
            row = await session.get(ArticleRow, article_id)
        if row is None or row.state == "removed":
            raise _Skip(f"article {article_id} was removed")
        summary = summary_of(row)
        self._summaries[article_id] = (now + timedelta(seconds=30), summary)
        self._summaries.move_to_end(article_id)
        while len(self._summaries) > 64:
            self._summaries.popitem(last=False)
        return summary

    def _log(
        self, article_id: int | None, platform: str, channel_id: str, outcome: str, detail: str,
        *, latency: float | None = None,
    ) -> None:
        if self._observer is not None and article_id is not None:
            self._observer.delivery(platform, _METRIC_OUTCOMES.get(outcome, outcome), latency)
        level = logging.INFO if outcome in ("sent", "resend-plain", "moved") else logging.WARNING
        target = f"{platform}:{channel_id}"
        fields: dict[str, object] = {"article": article_id, "target": target, "outcome": outcome, "detail": detail}
        if latency is not None:
            fields["latency"] = round(latency, 3)
        # Readable as is (`article=12 target=telegram:-100 outcome=sent detail=…`); JSON lines
        # carry the same values as keys. A command reply has no article.
        what = "reply" if article_id is None else f"article={article_id}"
        log.log(
            level, "%s target=%s outcome=%s detail=%s", what, target, outcome, logfmt(detail),
            extra={"fields": fields},
        )  # fmt: skip
