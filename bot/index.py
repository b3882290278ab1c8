"""The library index: keeps the store in step with the content folder.

New posts are recorded and published (or held, or scheduled when their date is in the future),
edits update the index without a resend, deleted posts are marked removed, and a moved or renamed
file keeps its article id. Unchanged files are skipped by size + mtime, then by content digest,
so a restart over thousands of posts parses nothing. Nothing outside the content folder is read:
links leading out are reported, never followed. A file's problems are put in `IndexReport.fresh`
once (when first seen, and again only when the file changes), so rescans do not repeat them.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.content
import bot.summary
from bot.clock import Clock
from bot.content.article import Article, Problem, ProblemKind
from bot.content.boundary import OUTSIDE_REASON, is_inside
from bot.content.config import ContentConfig
from bot.content.loader import file_digest, read_post
from bot.content.memory import ProblemMemory, Signature
from bot.content.scanner import scan_content
from bot.progress import ProgressFactory, no_progress
from bot.store.articles import ArticleUpsert, pending_announcements, upsert_in
from bot.store.meta import INITIAL_INDEX_DONE, get_meta, set_meta_in
from bot.store.models import ArticleRow
from bot.summary.model import Summary

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


@dataclass(frozen=True, slots=True)
class _Known:
    """What the store knows about one article, enough to decide without loading the row."""

    id: int
    key: str
    path: str
    state: str
    size: int
    mtime_ns: int
    digest: str
    was_published: bool


@dataclass(frozen=True, slots=True)
class _File:
    rel: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class _Outside:
    """A link (file or folder) under the content folder whose target lies outside it."""

    rel: str
    signature: Signature
    problem: Problem


@dataclass(frozen=True, slots=True)
class _Read:
    """One changed file after reading: same digest as indexed, or parsed (article may be None)."""

    file: _File
    digest: str
    same: bool = False
    article: Article | None = None
    summary: Summary | None = None
    problems: tuple[Problem, ...] = ()


class LibraryIndex:
    """Index the content folder into the store and publish what is due.

    Publishing marks the article `announce_pending` in the same transaction, then awaits
    `on_publish(id)`, which must fan it out and clear the mark (`bot.delivery.announce` does
    both in one transaction). A mark left by a crash or a failed fan-out is retried by every
    full `scan`, so a published article is never left unsent.
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
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._summary = summary
        self._clock = clock
        self._auto_publish = auto_publish
        self._on_publish = on_publish
        self._lock = asyncio.Lock()
        self._memory = ProblemMemory()

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
            files, outside = await asyncio.to_thread(self._walk)
            self._memory.keep_only(files.keys() | outside.keys())
            known = await self._snapshot()
            gone = {k.path for k in known if k.state != "removed"} - files.keys()
            with show(len(files), "indexing") as tick:
                report = await self._index(
                    files, gone, known, first_run=first_run, mark_done=first_run, tick=tick, outside=outside
                )
            # Announcements a crash (or a failing fan-out) interrupted are retried on every scan.
            await self._notify([i for i in await pending_announcements(self._sessions) if i not in report.published])
            return report

    async def index_paths(self, paths: Iterable[Path]) -> IndexReport:
        """Index only these files (absolute or under the content folder); a missing one is removed."""
        async with self._lock:
            first_run = await get_meta(self._sessions, INITIAL_INDEX_DONE) is None
            files, missing, outside = await asyncio.to_thread(self._stat_paths, list(paths))
            self._memory.forget_under(missing)
            missing |= outside.keys()  # a post replaced by a link out of the folder is gone
            known = await self._snapshot()
            gone = {
                k.path
                for k in known
                if k.state != "removed" and any(k.path == m or k.path.startswith(m + "/") for m in missing)
            }
            return await self._index(files, gone, known, first_run=first_run, mark_done=False, outside=outside)

    async def publish_due(self) -> IndexReport:
        """Publish scheduled articles whose date has come (or hold them when auto-publish is off)."""
        async with self._lock:
            now = self._clock.now()
            report = IndexReport()
            async with self._sessions.begin() as session:
                due = await session.scalars(
                    select(ArticleRow)
                    .where(ArticleRow.state == "scheduled", ArticleRow.date <= now)
                    .order_by(ArticleRow.date, ArticleRow.id)
                )
                for row in due.all():
                    if row.published_at is not None:
                        row.state = "published"
                    elif self._auto_publish:
                        row.state, row.published_at, row.announce_pending = "published", now, True
                        report.published.append(row.id)
                    else:
                        row.state = "held"
                        report.held.append(row.id)
            await self._notify(report.published)
            return report

    async def next_due(self) -> datetime | None:
        """Return the date of the earliest scheduled article, for the scheduler's next wake-up."""
        async with self._sessions() as session:
            return await session.scalar(
                select(ArticleRow.date).where(ArticleRow.state == "scheduled").order_by(ArticleRow.date).limit(1)
            )

    # -- reading the folder (runs in a worker thread) ------------------------------------------

    def _walk(self) -> tuple[dict[str, _File], dict[str, _Outside]]:
        files: dict[str, _File] = {}
        found_all = scan_content(self._content)
        for path in found_all.posts:
            found = self._stat(path)
            if found is not None:
                files[found.rel] = found
        outside = (self._outside(path) for path in found_all.outside)
        return files, {o.rel: o for o in outside if o is not None}

    def _stat_paths(self, paths: list[Path]) -> tuple[dict[str, _File], set[str], dict[str, _Outside]]:
        files: dict[str, _File] = {}
        missing: set[str] = set()
        outside: dict[str, _Outside] = {}
        for path in paths:
            rel = self._relative(path)
            if rel is None:
                continue
            link = self._outside(self._absolute(path))
            if link is not None:
                outside[rel] = link
                continue
            found = self._stat(path)
            if found is not None:
                files[rel] = found
            elif not self._absolute(path).exists():
                missing.add(rel)
        return files, missing, outside

    def _outside(self, path: Path) -> _Outside | None:
        """Describe `path` when it exists but leads out of the content folder (never read then)."""
        rel = self._relative(path)
        if rel is None or not os.path.lexists(path) or is_inside(path, self._content.root):
            return None
        try:
            st = path.lstat()
        except OSError:
            return None
        return _Outside(rel, (st.st_size, st.st_mtime_ns), Problem(rel, ProblemKind.UNREADABLE, OUTSIDE_REASON))

    def _absolute(self, path: Path) -> Path:
        return path if path.is_absolute() else self._content.root / path

    def _relative(self, path: Path) -> str | None:
        try:
            return self._absolute(path).relative_to(self._content.root).as_posix()
        except ValueError:
            return None

    def _stat(self, path: Path) -> _File | None:
        full = self._absolute(path)
        rel = self._relative(full)
        try:
            st = full.stat()
        except OSError:
            return None
        if rel is None or not full.is_file():
            return None
        return _File(rel, full, st.st_size, st.st_mtime_ns)

    def _read_batch(self, files: list[_File], by_path: dict[str, _Known]) -> list[_Read]:
        return [self._read(file, by_path.get(file.rel)) for file in files]

    def _read(self, file: _File, indexed: _Known | None) -> _Read:
        read = read_post(file.path, self._content.root, file.rel)  # never leaves the content folder
        if isinstance(read, Problem):
            return _Read(file, "", problems=(read,))
        raw, mtime_ns = read
        file = replace(file, size=len(raw), mtime_ns=mtime_ns)  # what was read, and its real mtime
        digest = file_digest(raw)
        if indexed is not None and indexed.digest == digest:
            return _Read(file, digest, same=True)
        result = bot.content.load_text(raw, file.rel, self._content, mtime_ns=file.mtime_ns)
        problems = tuple(result.problems)
        if result.article is None or any(p.fatal for p in problems):
            return _Read(file, digest, problems=problems)
        article = replace(result.article, path=file.rel, size=file.size, mtime_ns=file.mtime_ns, digest=digest)
        try:
            summary = bot.summary.summarize(article, self._summary)
        except Exception as exc:  # a bad post must never stop the index
            log.exception("cannot summarise %s", file.rel)
            reason = f"cannot summarise: {type(exc).__name__}"
            return _Read(file, digest, problems=(*problems, Problem(file.rel, ProblemKind.WARNING, reason)))
        return _Read(file, digest, article=article, summary=summary, problems=problems)

    # -- writing the store ---------------------------------------------------------------------

    async def _snapshot(self) -> list[_Known]:
        columns = (
            ArticleRow.id, ArticleRow.key, ArticleRow.path, ArticleRow.state, ArticleRow.size,
            ArticleRow.mtime_ns, ArticleRow.digest, ArticleRow.published_at.is_not(None),
        )
        async with self._sessions() as session:
            rows = (await session.execute(select(*columns).order_by(ArticleRow.id))).all()
        return [_Known(*row) for row in rows]

    async def _index(
        self,
        files: dict[str, _File],
        gone: set[str],
        known: list[_Known],
        *,
        first_run: bool,
        mark_done: bool,
        tick: Callable[[int], None] = lambda n: None,
        outside: dict[str, _Outside] | None = None,
    ) -> IndexReport:
        plan = _Plan(known, gone, files.keys(), self._content.root)
        report = IndexReport(first_run=first_run)
        read_files: dict[str, Signature] = {}
        changed = []
        for rel, file in sorted(files.items()):
            indexed = plan.by_path.get(rel)
            if indexed is not None and (indexed.size, indexed.mtime_ns) == (file.size, file.mtime_ns):
                plan.unchanged += 1
            else:
                changed.append(file)
        notify: list[int] = []
        tick(plan.unchanged)
        for start in range(0, max(len(changed), 1), BATCH):
            batch = changed[start : start + BATCH]
            reads = await asyncio.to_thread(self._read_batch, batch, plan.by_path)
            read_files.update((r.file.rel, (r.file.size, r.file.mtime_ns)) for r in reads)
            tick(len(batch))
            last = start + BATCH >= len(changed)
            async with self._sessions.begin() as session:
                await self._write(session, reads, plan, report, notify, first_run)
                if last:
                    report.removed.extend(await _remove(session, plan.leftovers()))
                    if mark_done:
                        await set_meta_in(session, INITIAL_INDEX_DONE, self._clock.now().isoformat())
        await self._notify(notify)
        self._remember(report, read_files, outside or {})
        return replace(report, unchanged=plan.unchanged)

    def _remember(self, report: IndexReport, read_files: dict[str, Signature], outside: dict[str, _Outside]) -> None:
        """Add the outside links to the report; put in `fresh` what was not reported before."""
        report.problems.extend(link.problem for link in outside.values())
        by_path: dict[str, list[Problem]] = {}
        for problem in report.problems:
            by_path.setdefault(problem.path, []).append(problem)
        for rel, signature in [*read_files.items(), *((o.rel, o.signature) for o in outside.values())]:
            report.fresh.extend(self._memory.note(rel, signature, by_path.get(rel, ())))

    async def _write(
        self,
        session: AsyncSession,
        reads: list[_Read],
        plan: _Plan,
        report: IndexReport,
        notify: list[int],
        first_run: bool,
    ) -> None:
        now = self._clock.now()
        same = [{"id": plan.by_path[r.file.rel].id, "size": r.file.size, "mtime_ns": r.file.mtime_ns}
                for r in reads if r.same]
        if same:
            await session.execute(update(ArticleRow), same)
        plan.unchanged += len(same)
        items: list[ArticleUpsert] = []
        outcomes: list[tuple[str, _Known | None, bool]] = []  # (path, indexed row, announce)
        # Oldest first, so new articles get short ids in date order (a batch at a time).
        for read in sorted(reads, key=_by_date):
            report.problems.extend(read.problems)
            if read.article is None or read.summary is None:
                continue
            target, problem = plan.match(read)
            if problem is not None:
                report.problems.append(problem)
                continue
            state, send = self._decide(target, read.article, now, first_run)
            items.append(ArticleUpsert(read.article, read.summary, state, target.id if target else None))
            outcomes.append((read.file.rel, target, send))
        ids = await upsert_in(session, items, now=now)
        announced: list[int] = []
        for article_id, item, (rel, target, send) in zip(ids, items, outcomes, strict=True):
            plan.claim(rel, article_id)
            (report.updated if target else report.new).append(article_id)
            if item.state in ("published", "scheduled", "held") and (target is None or target.state != item.state):
                getattr(report, item.state).append(article_id)
            if send:
                notify.append(article_id)
                announced.append(article_id)
        if announced:  # marked in the publishing transaction; cleared by the fan-out (`announce`)
            await session.execute(
                update(ArticleRow).where(ArticleRow.id.in_(announced)).values(announce_pending=True)
            )

    def _decide(self, target: _Known | None, article: Article, now: datetime, first_run: bool) -> tuple[str, bool]:
        """Return (state, whether to announce it) for a parsed post and its indexed row, if any."""
        if article.draft:
            return "draft", False
        previous = target.state if target is not None else None
        if previous in ("published", "held"):
            return previous, False
        if article.date > now:
            return "scheduled", False
        if first_run or (target is not None and target.was_published):
            return "published", False
        if not self._auto_publish:
            return "held", False
        return "published", True

    async def _notify(self, ids: list[int]) -> None:
        if self._on_publish is None:
            return
        for article_id in ids:
            try:
                await self._on_publish(article_id)
            except Exception:  # one failing announcement must not stop the others
                log.exception("announcing article %s failed", article_id)


async def _remove(session: AsyncSession, ids: list[int]) -> list[int]:
    if ids:
        await session.execute(update(ArticleRow).where(ArticleRow.id.in_(ids)).values(state="removed"))
    return ids


class _Plan:
    """The bookkeeping of one pass: indexed rows by path/key/digest, and which ones were claimed."""

    def __init__(self, known: list[_Known], gone: set[str], present: Iterable[str], root: Path) -> None:
        self.by_key = {k.key: k for k in known}
        self.by_path = {k.path: k for k in known if k.state != "removed"}
        self.present = set(present)
        self.root = root
        self.gone_paths = gone
        self.gone = [k for k in known if k.state != "removed" and k.path in gone]
        self.orphans: dict[str, list[_Known]] = {}
        for k in [*self.gone, *(k for k in known if k.state == "removed")]:
            self.orphans.setdefault(k.digest, []).append(k)
        self.claimed: set[int] = set()
        self.keys: dict[str, str] = {}
        self.displaced: list[int] = []
        self.unchanged = 0

    def match(self, read: _Read) -> tuple[_Known | None, Problem | None]:
        """Find the indexed row this post continues (same key, same path, or same content moved)."""
        article = read.article
        assert article is not None
        rel = read.file.rel
        if article.key in self.keys and self.keys[article.key] != rel:
            return None, _duplicate(rel, article.key, self.keys[article.key])
        target = self.by_key.get(article.key)
        if target is not None and target.path != rel and target.state != "removed" and self._exists(target.path):
            return None, _duplicate(rel, article.key, target.path)
        here = self.by_path.get(rel)
        if target is None and here is not None and here.id not in self.claimed:
            target = here  # same file, new front matter id: keep its id
        if target is None:
            target = next((k for k in self.orphans.get(read.digest, []) if k.id not in self.claimed), None)
        self.keys[article.key] = rel
        if target is not None:
            self.claimed.add(target.id)
        return target, None

    def claim(self, rel: str, article_id: int) -> None:
        """Record that `rel` is article `article_id`; a different row indexed at `rel` is displaced."""
        self.claimed.add(article_id)
        here = self.by_path.get(rel)
        if here is not None and here.id != article_id:
            self.displaced.append(here.id)

    def leftovers(self) -> list[int]:
        """Ids to mark removed: rows whose file is gone or displaced, unless claimed by another file."""
        ids = [k.id for k in self.gone] + self.displaced
        return sorted({i for i in ids if i not in self.claimed})

    def _exists(self, rel: str) -> bool:
        return rel in self.present or (rel not in self.gone_paths and (self.root / rel).is_file())


def _duplicate(rel: str, key: str, other: str) -> Problem:
    reason = f"same id {key!r} as {other}; this file is skipped"
    return Problem(rel, ProblemKind.WARNING, reason, fatal=True)


_LAST = datetime.max.replace(tzinfo=UTC)


def _by_date(read: _Read) -> tuple[datetime, str]:
    return (read.article.date if read.article is not None else _LAST, read.file.rel)
