"""The index pass, step by step: walk the folder (`walk`), read what changed (`read`), match it to
the store (`plan`), write batches (`bot.store.articles`, `bot.store.index_rows`), then announce what
was published and report problems once. `LibraryIndex` runs the passes; `IndexReport` says what
one did."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.content.article import Problem, ProblemKind
from bot.content.config import ContentConfig
from bot.content.memory import ProblemMemory
from bot.delivery.edits import EditPolicy, card_changes, kept_cards, plan_deletes, plan_edits
from bot.index.plan import Plan, by_date, decide
from bot.index.read import ReadFile
from bot.index.readers import Readers
from bot.index.walk import Folder, FoundFile, OutsideLink
from bot.progress import ProgressFactory, no_progress
from bot.store.articles import ArticleUpsert, pending_announcements, upsert_in
from bot.store.index_rows import (
    IndexedRow,
    Touch,
    indexed_rows,
    mark_announce_pending,
    mark_removed,
    next_scheduled,
    publish_due,
    touch,
)
from bot.store.meta import INITIAL_INDEX_DONE, get_meta, set_meta_in
from bot.store.read_stamp import one_bump
from bot.store.states import ArticleState

if TYPE_CHECKING:
    from bot.summary import SummaryConfig

log = logging.getLogger("herald.index")

BATCH = 500
"""Files written per transaction: big enough for a fast first scan, small enough to stay responsive."""


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one indexing pass did, by article id.

    `new`/`updated` split the files written by whether the article was indexed before (an edit, a
    move, a restore). `published`, `scheduled` and `held` list articles that entered that state in
    this pass; only `published` ones outside the first run and restores were announced.
    """

    new: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    scheduled: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    first_run: bool = False
    fresh: list[Problem] = field(default_factory=list)
    """The problems not reported before: first seen, or the file changed since (log these, tell admins)."""

    def entered(self, state: ArticleState) -> list[int] | None:
        """The list of articles that entered `state` in this pass (None for states not reported)."""
        match state:
            case ArticleState.PUBLISHED:
                return self.published
            case ArticleState.SCHEDULED:
                return self.scheduled
            case ArticleState.HELD:
                return self.held
        return None


class LibraryIndex:
    """Index the content folder into the store and publish what is due.

    `readers` reads changed files (default: a thread, worker processes for a big pass).
    Publishing marks the article `announce_pending` in the same transaction, then awaits
    `on_publish(id)`, which must fan it out and clear the mark (`bot.delivery.announce` does
    both in one transaction). A mark left by a crash or a failed fan-out is retried by every
    full `scan`, so a published article is never left unsent.

    With `edits`, a published article whose card changed has the edits of the messages sent for
    it planned in the transaction that writes it (and a deleted one their deletions), and
    `on_change()` is called once they are committed (`bot.delivery.edits`).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentConfig,
        summary: SummaryConfig,
        *,
        clock: Clock,
        auto_publish: bool = True,
        on_publish: Callable[[int], Awaitable[None]] | None = None,
        readers: Readers | None = None,
        edits: EditPolicy | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._summary = summary
        self._folder = Folder(content)
        self._clock = clock
        self._auto_publish = auto_publish
        self._on_publish = on_publish
        self._lock = asyncio.Lock()
        self._memory = ProblemMemory()
        self._readers = readers or Readers(content, summary)
        self._edits = edits or EditPolicy(window=0)
        self._on_change = on_change
        self._changes = 0
        """Edit and delete rows planned by the pass under way."""

    async def scan(self, *, show: ProgressFactory = no_progress) -> IndexReport:
        """Index the whole content folder; the first scan ever records what is there without sending.

        `show` draws progress (`herald index` passes `bot.progress.progress`): one tick per file.
        """
        async with self._lock:
            first_run = await get_meta(self._sessions, INITIAL_INDEX_DONE) is None
            root = self._content.root
            if not await asyncio.to_thread(root.is_dir):
                # Not indexed, and not the first start either: when the folder appears (a late
                # mount, a fixed HERALD_CONTENT_DIR) its posts are recorded, not sent as new.
                reason = "the content folder does not exist (or is not a folder); nothing indexed"
                problem = Problem(str(root), ProblemKind.UNREADABLE, reason)
                fresh = self._memory.note(str(root), None, [problem])
                return IndexReport(problems=[problem], first_run=first_run, fresh=fresh)
            found = await asyncio.to_thread(self._folder.walk)
            self._memory.keep_only(found.files.keys() | found.outside.keys())
            known = await indexed_rows(self._sessions)
            gone = {k.path for k in known if k.state != ArticleState.REMOVED} - found.files.keys()
            with show(len(found.files), "indexing") as tick:
                report = await self._index(
                    found.files, gone, known, first_run=first_run, mark_done=first_run, tick=tick,
                    outside=found.outside,
                )
            # Announcements a crash (or a failing fan-out) interrupted are retried on every scan.
            await self._notify([i for i in await pending_announcements(self._sessions) if i not in report.published])
            return report

    async def index_paths(self, paths: Iterable[Path]) -> IndexReport:
        """Index only these files (absolute or under the content folder); a missing one is removed."""
        async with self._lock:
            first_run = await get_meta(self._sessions, INITIAL_INDEX_DONE) is None
            found = await asyncio.to_thread(self._folder.stat_paths, list(paths))
            self._memory.forget_under(found.missing)
            missing = found.missing | found.outside.keys()  # a post replaced by a link out of the folder is gone
            known = await indexed_rows(self._sessions)
            gone = {
                k.path
                for k in known
                if k.state != ArticleState.REMOVED
                and any(k.path == m or k.path.startswith(m + "/") for m in missing)
            }
            return await self._index(
                found.files, gone, known, first_run=first_run, mark_done=False, outside=found.outside
            )

    async def publish_due(self) -> IndexReport:
        """Publish scheduled articles whose date has come (or hold them when auto-publish is off)."""
        async with self._lock:
            due = await publish_due(self._sessions, self._clock.now(), auto_publish=self._auto_publish)
            await self._notify(due.published)
            return IndexReport(published=due.published, held=due.held)

    async def next_due(self) -> datetime | None:
        """Return the date of the earliest scheduled article, for the scheduler's next wake-up."""
        return await next_scheduled(self._sessions)

    async def _index(
        self,
        files: dict[str, FoundFile],
        gone: set[str],
        known: list[IndexedRow],
        *,
        first_run: bool,
        mark_done: bool,
        tick: Callable[[int], None] = lambda n: None,
        outside: dict[str, OutsideLink] | None = None,
    ) -> IndexReport:
        plan = Plan(known, gone, files.keys(), self._content.root)
        report = IndexReport(first_run=first_run)
        changed = []
        for rel, file in sorted(files.items()):
            indexed = plan.by_path.get(rel)
            if indexed is not None and (indexed.size, indexed.mtime_ns) == (file.size, file.mtime_ns):
                plan.unchanged += 1
            else:
                changed.append(file)
        notify: list[int] = []
        self._changes = 0
        tick(plan.unchanged)
        last = max(1, -(-len(changed) // BATCH))
        # Batches are read ahead (a thread, or worker processes for a big pass) while one is written.
        async with aclosing(self._readers.batches(changed, plan.by_path, BATCH)) as batches:
            number = 0
            async for reads in batches:
                number += 1
                tick(len(reads))
                seen = len(report.problems)
                async with self._sessions.begin() as session, one_bump(session):
                    await self._write(session, reads, plan, report, notify, first_run)
                    if number == last:
                        removed = await mark_removed(session, plan.leftovers())
                        report.removed.extend(removed)
                        self._changes += await plan_deletes(session, removed, now=self._clock.now(), policy=self._edits)
                        if mark_done:
                            await set_meta_in(session, INITIAL_INDEX_DONE, self._clock.now().isoformat())
                self._remember(report, reads, report.problems[seen:])
        self._remember_outside(report, outside or {})
        if self._changes and self._on_change is not None:
            self._on_change()
        await self._notify(notify)
        return replace(report, unchanged=plan.unchanged)

    def _remember(self, report: IndexReport, reads: list[ReadFile], problems: list[Problem]) -> None:
        """Put in `fresh` the problems of these files not reported before (per batch: nothing is
        kept for the whole pass but the problems)."""
        by_path: dict[str, list[Problem]] = {}
        for problem in problems:
            by_path.setdefault(problem.path, []).append(problem)
        for read in reads:
            signature = (read.file.size, read.file.mtime_ns)
            report.fresh.extend(self._memory.note(read.file.rel, signature, by_path.get(read.file.rel, ())))

    def _remember_outside(self, report: IndexReport, outside: dict[str, OutsideLink]) -> None:
        """Add the links leading out of the folder to the report (in `fresh` when not reported before)."""
        for link in outside.values():
            report.problems.append(link.problem)
            report.fresh.extend(self._memory.note(link.rel, link.signature, [link.problem]))

    async def _write(
        self,
        session: AsyncSession,
        reads: list[ReadFile],
        plan: Plan,
        report: IndexReport,
        notify: list[int],
        first_run: bool,
    ) -> None:
        now = self._clock.now()
        same = [Touch(plan.by_path[r.file.rel].id, r.file.size, r.file.mtime_ns) for r in reads if r.same]
        await touch(session, same)
        plan.unchanged += len(same)
        items: list[ArticleUpsert] = []
        outcomes: list[tuple[str, IndexedRow | None, bool]] = []  # (path, indexed row, announce)
        # Oldest first, so new articles get short ids in date order (a batch at a time).
        for read in sorted(reads, key=by_date):
            report.problems.extend(read.problems)
            if read.article is None or read.summary is None:
                continue
            target, problem = plan.match(read)
            if problem is not None:
                report.problems.append(problem)
                continue
            state, send = decide(target, read.article, now, first_run=first_run, auto_publish=self._auto_publish)
            items.append(ArticleUpsert(read.article, read.summary, state, target.id if target else None))
            outcomes.append((read.file.rel, target, send))
        writes = [(target, item.state) for item, (_, target, _) in zip(items, outcomes, strict=True)]
        before = await kept_cards(session, writes, self._edits)
        ids = await upsert_in(session, items, now=now)
        if before:
            after = await kept_cards(session, writes, self._edits)
            self._changes += await plan_edits(session, card_changes(before, after), now=now, policy=self._edits)
        announced: list[int] = []
        for article_id, item, (rel, target, send) in zip(ids, items, outcomes, strict=True):
            plan.claim(rel, article_id)
            (report.updated if target else report.new).append(article_id)
            entered = report.entered(item.state)
            if entered is not None and (target is None or target.state != item.state):
                entered.append(article_id)
            if send:
                notify.append(article_id)
                announced.append(article_id)
        await mark_announce_pending(session, announced)  # in the publishing transaction

    async def _notify(self, ids: list[int]) -> None:
        if self._on_publish is None:
            return
        for article_id in ids:
            try:
                await self._on_publish(article_id)
            except Exception:  # one failing announcement must not stop the others
                log.exception("announcing article %s failed", article_id)
