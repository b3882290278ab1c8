"""Poll every feed and git source when it is due, on the scheduler role's APScheduler.

Each source has its own interval (`name@30m=…`, else HERALD_SOURCE_INTERVAL) with ±10 % jitter,
so hundreds of sources added at once spread out. A failed poll is retried later and later (the
interval doubled per failure in a row, at most `MAX_BACKOFF`; a server's Retry-After is honoured)
and recorded as the source's last error; the next success clears it. When a poll is due is kept in
the database (`sources.next_fetch_at`), so a restart or another replica taking the scheduler role
goes on where it was. `herald source add` and a push (`poll_now`) are seen at the next look: a
safety look every `LOOK` seconds, and a one-shot at the next due moment; `wake` looks at once
(a push received by the replica that polls, `bot.sources.push`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.article import Problem
from bot.content.memory import ProblemMemory
from bot.delivery.edits import EditPolicy
from bot.schedule import Scheduler
from bot.sources.apply import SourceReport, apply_poll
from bot.sources.model import PollContext, SourceFailure, Unchanged
from bot.sources.poll import poll_source
from bot.sources.spec import SourceSpec
from bot.store import sources as store
from bot.store.index_rows import IndexedRow, indexed_rows
from bot.store.states import ArticleState

__all__ = ["LOOK", "MAX_BACKOFF", "SourcePoller", "backoff"]

log = logging.getLogger("herald.sources")

LOOK = 30.0
"""Seconds between two safety looks at which sources are due."""
MAX_BACKOFF = 6 * 3600.0
"""The longest wait after failures (a server's own Retry-After may ask for up to a day)."""
MAX_RETRY_AFTER = 86400.0
CONCURRENCY = 16
"""Sources polled at the same time by one process."""
JITTER = 0.1
ALARM_AFTER = 3
"""Failed polls in a row after which the admins are told (once; and once more when it recovers)."""
_JOB = "sources"
_WAKE = "sources-wake"


def backoff(interval: float, failures: int, retry_after: float | None = None) -> float:
    """Seconds before the next poll after `failures` failures in a row (before jitter)."""
    delay = min(max(interval, 60.0) * 2 ** min(max(failures - 1, 0), 16), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class SourcePoller:
    """Poll due sources and write what they hold into the index (`bot.sources.apply`).

    `on_publish(id)` announces a newly published article (as the folder's index does);
    `on_change()` wakes delivery for planned edits; `on_report(report, fresh)` gets each applied
    poll and the problems not reported before (Herald logs them and tells the admins);
    `after_poll(name, spec, state)` follows every successful poll (WebSub subscribes there).
    `on_alarm(name, failures, reason)` is told once when a source has failed `ALARM_AFTER` polls in
    a row, and (`failures` 0, reason None) once when such a source works again.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ctx: PollContext,
        *,
        interval: float,
        tokens: Mapping[str, str] | None = None,
        auto_publish: bool = True,
        edits: EditPolicy | None = None,
        on_publish: Callable[[int], Awaitable[None]] | None = None,
        on_change: Callable[[], None] | None = None,
        on_report: Callable[[SourceReport, list[Problem]], Awaitable[None]] | None = None,
        after_poll: Callable[[str, SourceSpec, Mapping[str, str]], Awaitable[None]] | None = None,
        on_alarm: Callable[[str, int, str | None], None] | None = None,
        concurrency: int = CONCURRENCY,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._ctx = ctx
        self._interval = interval
        self._tokens = dict(tokens or {})
        self._auto_publish = auto_publish
        self._edits = edits or EditPolicy(window=0)
        self._on_publish = on_publish
        self._on_change = on_change
        self._on_report = on_report
        self._after_poll = after_poll
        self._on_alarm = on_alarm
        self._limit = asyncio.Semaphore(concurrency)
        self._rng = rng or random.Random()
        self._lock = asyncio.Lock()
        self._memories: dict[str, ProblemMemory] = {}
        self._known: dict[tuple[str, datetime], list[IndexedRow]] = {}
        """Each source's indexed rows as of its last unchanged poll, so the next one reads nothing but
        the source's row: kept only while this process holds the scheduler role and nothing was
        written (another replica may poll while it does not); keyed by when the source was added,
        so a source removed and added again starts afresh."""
        self._scheduler: Scheduler | None = None

    def start(self, scheduler: Scheduler) -> None:
        """Look now, then every `LOOK` seconds and at each next due moment."""
        self._scheduler = scheduler
        self._known.clear()  # another replica may have polled while this one did not hold the role
        scheduler.every(LOOK, self.look, _JOB)
        scheduler.at(datetime.now(UTC), self.look, _WAKE)

    def wake(self) -> bool:
        """Look at once when this process polls (it holds the scheduler role); tell whether it does."""
        if self._scheduler is None or not self._scheduler.running:
            return False
        self._scheduler.at(datetime.now(UTC), self.look, _WAKE)
        return True

    async def look(self) -> int:
        """Poll every due source (up to `CONCURRENCY` at once); return how many were polled."""
        async with self._lock:
            polled = 0
            while True:
                due = await store.due_sources(self._sessions, self._ctx.clock.now(), limit=4 * CONCURRENCY)
                if not due:
                    break
                await asyncio.gather(*(self._guarded(status) for status in due))
                polled += len(due)
            upcoming = await store.next_due(self._sessions)
        if upcoming is not None and self._scheduler is not None:
            self._scheduler.at(upcoming, self.look, _WAKE)
        return polled

    async def _guarded(self, status: store.SourceStatus) -> None:
        async with self._limit:
            try:
                await self.poll(status)
            except Exception:  # one source must never stop the others (its next time is set below)
                log.exception("polling source %s failed", status.name)
                now = self._ctx.clock.now()
                await store.record_failure(
                    self._sessions, status.name, now=now, reason="internal error (see the log)",
                    next_at=now + timedelta(seconds=self._next(status, failures=status.failures + 1)),
                )

    def _next(self, status: store.SourceStatus, *, failures: int = 0, retry_after: float | None = None) -> float:
        interval = (status.spec.interval if status.spec is not None else None) or self._interval
        base = backoff(interval, failures, retry_after) if failures else interval
        return base * self._rng.uniform(1 - JITTER, 1 + JITTER)

    async def poll(self, status: store.SourceStatus) -> SourceReport | None:
        """Poll one source now and record the outcome; return what was applied (None: nothing new)."""
        name, spec = status.name, status.spec
        now = self._ctx.clock.now()
        if spec is None:
            await store.record_failure(
                self._sessions, name, now=now, reason=f"the stored entry {status.text[:80]!r} no longer parses",
                next_at=now + timedelta(seconds=MAX_BACKOFF),
            )
            return None
        cached = (name, status.added_at)
        rows = self._known.pop(cached, None)
        if rows is None:
            rows = await indexed_rows(self._sessions, name)
        known = {row.path: row.digest for row in rows if row.state != ArticleState.REMOVED}
        ctx = replace(self._ctx, token=self._tokens.get(name))
        try:
            async with asyncio.timeout(ctx.timeout * 2):
                result = await poll_source(spec, status.state, ctx, known)
        except (SourceFailure, TimeoutError) as exc:
            reason = exc.reason if isinstance(exc, SourceFailure) else f"no answer within {ctx.timeout * 2:.0f} s"
            retry_after = exc.retry_after if isinstance(exc, SourceFailure) else None
            kept = exc.state if isinstance(exc, SourceFailure) else {}
            failures = status.failures + 1
            wait = self._next(status, failures=failures, retry_after=retry_after)
            await store.record_failure(
                self._sessions, name, now=now, reason=reason, state=kept, next_at=now + timedelta(seconds=wait),
            )
            self._known[cached] = rows
            if status.last_error != reason:
                log.warning("source %s: %s (poll %d failed in a row; next try in %.0f s)", name, reason, failures, wait)
            if failures == ALARM_AFTER and self._on_alarm is not None:
                self._on_alarm(name, failures, reason)
            return None
        done = self._ctx.clock.now()
        next_at = done + timedelta(seconds=self._next(status))
        if status.failures:
            log.info("source %s recovered after %d failed polls", name, status.failures)
            if status.failures >= ALARM_AFTER and self._on_alarm is not None:
                self._on_alarm(name, 0, None)
        if isinstance(result, Unchanged):
            async with self._sessions.begin() as session:
                await store.record_success(
                    session, name, now=done, next_at=next_at, state=result.state, entries=None, primed=False
                )
            self._known[cached] = rows
            await self._after(name, spec, result.state)
            return None

        async def record(session: AsyncSession) -> None:
            await store.record_success(
                session, name, now=done, next_at=next_at, state=result.state, entries=len(result.entries),
                primed=status.primed_at is None,
            )

        report = await apply_poll(
            self._sessions, name, result, now=done, primed_at=status.primed_at, auto_publish=self._auto_publish,
            edits=self._edits, record=record, known=rows,
        )
        fresh = self._fresh(name, report)
        if report.new or report.updated or report.removed:
            log.info(
                "source %s: %d new (%d sent), %d updated, %d removed, %d unchanged, %d problems", name,
                len(report.new), len(report.published), len(report.updated), len(report.removed), report.unchanged,
                len(report.problems),
            )
        if report.changes and self._on_change is not None:
            self._on_change()
        if self._on_report is not None:
            await self._on_report(report, fresh)
        if self._on_publish is not None:
            for article_id in report.published:
                try:
                    await self._on_publish(article_id)
                except Exception:
                    log.exception("announcing article %s failed", article_id)
        await self._after(name, spec, result.state)
        return report

    async def _after(self, name: str, spec: SourceSpec, state: Mapping[str, str]) -> None:
        if self._after_poll is not None:
            try:
                await self._after_poll(name, spec, state)
            except Exception:  # the poll itself is recorded: what follows it never undoes that
                log.exception("after polling source %s", name)

    def _fresh(self, name: str, report: SourceReport) -> list[Problem]:
        """The problems of this poll not reported before (a problem is reported again only after it
        went away, or its text changed)."""
        memory = self._memories.setdefault(name, ProblemMemory())
        by_path: dict[str, list[Problem]] = {}
        for problem in report.problems:
            by_path.setdefault(problem.path, []).append(problem)
        memory.keep_only(set(by_path))
        return [fresh for path, problems in by_path.items() for fresh in memory.note(path, None, problems)]
