"""The composition root: build every part of Herald from `Settings` and wire the parts together.

Nothing else wires the store, the index, the due times, the delivery engine, the commands, the
admin notices and the platforms together. Running what is built (start, stop, the startup retry,
the health server) is `bot.serve`; what is told to admins is `bot.notices`; when future-dated
posts and queue items are due is `bot.schedule.due`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.approvals import ApprovalCards
from bot.check import unpublishable_notice
from bot.clock import Clock, SystemClock
from bot.commands import build_context
from bot.commands.i18n import message
from bot.content import ContentConfig, load_article
from bot.content.article import Article, Problem
from bot.delivery.edits import EditPolicy
from bot.delivery.engine import DeliveryEngine
from bot.delivery.fanout import announce
from bot.digests.job import DigestJob
from bot.index import IndexReport, LibraryIndex
from bot.metrics import Metrics
from bot.notices import ADMIN_LANG, AdminNotices, missed_queue_notice
from bot.platform import PlatformSpec, Runtime, load_platforms
from bot.replicas.coordinator import replica_id
from bot.schedule.broadcasts import plan
from bot.schedule.due import DueTimes
from bot.schedule.jobs import QueueRunner, QueueRunReport, queue_runner
from bot.schedule.watch import ContentWatcher
from bot.services import AppServices
from bot.settings import Settings
from bot.sources.apply import SourceReport
from bot.sources.config import configured, source_tokens
from bot.sources.model import PollContext
from bot.sources.poller import SourcePoller
from bot.sources.websub import WebSub, callback_base
from bot.store import queue as queue_store
from bot.store.articles import get_article, kept_body, summary_of
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.queue import queue_length
from bot.store.sources import sync_configured
from bot.store.states import ArticleState
from bot.store.stats import article_counts, disabled_targets, subscription_counts
from bot.store.subscriptions import get_subscription, subscribe, sync_config_channels
from bot.summary import SummaryConfig, article_blocks
from bot.summary.model import Block, Summary
from bot.target_check import check_configured
from bot.targets import Target, parse_targets
from bot.templating import Templated, load_sources

log = logging.getLogger("herald.app")

CONSOLE = "console"
DUE_POLL = 15.0
"""Seconds between two safety looks at what is due (rows added from the shell); between them,
one scheduler job waits for the next due moment, set again after every index pass and queue change."""
NOTICE_GRACE = 5.0
"""Seconds notices still being sent get at a stop before they are cancelled."""

@dataclass
class Herald:
    """One Herald, built but not yet running: what `bot.serve.serve` runs and tests drive."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: ContentConfig
    index: LibraryIndex
    delivery: DeliveryEngine
    services: AppServices
    metrics: Metrics
    notices: AdminNotices
    due: DueTimes
    runtimes: list[Runtime] = field(default_factory=list)
    run_queue: QueueRunner | None = None
    """Broadcast every due admin queue item now (each one its own delivery round)."""
    due_poll: float = DUE_POLL
    watcher: ContentWatcher | None = None
    """The content folder's watcher while `serve` runs (its `ready` tells when changes are seen)."""
    digests: DigestJob | None = None
    """Makes the digests that are due (run by the scheduler; see `bot.digests.job`)."""
    sources: SourcePoller | None = None
    """Polls the feeds and git repositories (run by the scheduler; see `bot.sources.poller`)."""
    websub: WebSub | None = None
    """Subscribes feeds to their WebSub hubs when Herald has a public https address (`bot.sources.websub`)."""
    folder: bool = True
    """A content folder is configured (HERALD_SOURCES may list only feeds and git repositories)."""

    async def broadcast(self, article_id: int, target: str | None = None, *, created_by: str | None = None) -> int:
        """Broadcast an article now to every matching subscriber and channel (or one target).

        It goes through the admin queue as an item due now, so it is a delivery round of its own:
        an article already published reaches everyone again, once. Raise BroadcastError when
        the article cannot be broadcast. Return how many deliveries were queued.
        """
        await plan(
            self.sessions, article_id, when="now", now=self.clock.now(), zone=self.settings.zone,
            target=target, created_by=created_by,
        )
        assert self.run_queue is not None
        return (await self.run_queue()).deliveries

    async def rescan(self) -> None:
        """Index the whole content folder, then publish what has come due."""
        if not self.folder:
            await self.publish_due()
            return
        report = await self.index.scan()
        await self.after_index(report)
        await self.publish_due()
        log.info(
            "indexed %s: %d new, %d published, %d updated, %d removed, %d unchanged, %d problems",
            self.content.root, len(report.new), len(report.published), len(report.updated),
            len(report.removed), report.unchanged, len(report.problems),
        )  # fmt: skip

    async def after_index(self, report: IndexReport) -> None:
        """Ask the admins about articles that became held, and look again at what is due next."""
        self.due.changed()
        for problem in report.fresh:  # once per problem: when first seen, or when its file changed
            log.warning("%s", problem)
        notice = unpublishable_notice(report.fresh)
        if notice:
            self.notices.tell(notice)
        if report.held:
            self.notices.ask_approval(report.held)

    async def after_source_poll(self, report: SourceReport, fresh: list[Problem]) -> None:
        """Tell the admins about a source's new problems and held articles, as after an index pass."""
        await self.after_index(IndexReport(held=report.held, fresh=fresh))

    def source_alarm(self, name: str, failures: int, reason: str | None) -> None:
        """Tell the admins that a source keeps failing (`reason`), or works again (None)."""
        if reason is None:
            self.notices.tell(message("sources.recovered", ADMIN_LANG, name=name))
        else:
            self.notices.tell(message("sources.alarm", ADMIN_LANG, name=name, failures=failures, error=reason[:300]))

    async def publish_due(self) -> None:
        """Publish future-dated articles whose date has come (or hold them and ask the admins)."""
        await self.after_index(await self.index.publish_due())

    async def run_due(self) -> None:
        """Publish the future-dated articles and send the queue items whose time has come."""
        await self.publish_due()
        assert self.run_queue is not None
        await self.run_queue()

    async def next_due(self) -> datetime | None:
        """Return when the next future-dated article or queue item is due (None: nothing waits)."""
        moments = [m for m in (await self.index.next_due(), await queue_store.next_due(self.sessions)) if m]
        return min(moments) if moments else None

    async def finish_notices(self, timeout: float = NOTICE_GRACE) -> None:
        """Wait a little for approval requests and notices still being sent, then cancel them."""
        await self.notices.finish(timeout)

    async def refresh_gauges(self) -> None:
        """Bring the metrics gauges up to date with the database and the connections."""
        self.metrics.set_articles(await article_counts(self.sessions))
        self.metrics.set_subscriptions(await subscription_counts(self.sessions))
        self.metrics.set_queue_length(await queue_length(self.sessions))
        for runtime in self.runtimes:
            self.metrics.set_connected(runtime.name, runtime.connected)
        disabled: dict[str, int] = {}
        for platform, _channel, _reason in await disabled_targets(self.sessions):
            disabled[platform] = disabled.get(platform, 0) + 1
        self.metrics.set_disabled_targets(disabled)

    async def target_retired(self, platform: str, channel_id: str, reason: str) -> None:
        """A target was stopped while running: for a configured channel, log it and tell the
        admins once (the next start checks it again and names what is missing)."""
        target = Target(platform, channel_id)
        if target not in parse_targets(self.settings.channels):
            return
        await self.notices.target_retired(target, reason)
        await self.refresh_gauges()

    async def check_targets(self, runtime: Runtime, stop: asyncio.Event) -> None:
        """Once `runtime` is connected, check its configured channels (see bot.target_check)."""
        try:
            await check_configured(
                self.sessions, runtime, list(parse_targets(self.settings.channels)), stop,
                now=self.clock.now, tell=self.notices.tell,
            )
            await self.refresh_gauges()
        except Exception:
            log.exception("checking the configured %s channels failed", runtime.name)

    async def close(self) -> None:
        """Release the database."""
        await self.engine.dispose()


def enabled_platforms(settings: Settings, platforms: dict[str, PlatformSpec]) -> list[PlatformSpec]:
    """Return the platforms to run: every enabled one, or the console when none is."""
    chosen = [spec for name, spec in sorted(platforms.items()) if name != CONSOLE and spec.enabled(settings)]
    if not chosen and CONSOLE in platforms:
        chosen = [platforms[CONSOLE]]
    return chosen


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    platforms: dict[str, PlatformSpec] | None = None,
) -> Herald:
    """Migrate the database and build every part of Herald (nothing runs yet)."""
    clock = clock or SystemClock()
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    content = ContentConfig.from_settings(settings)
    metrics = Metrics()

    async def read_article(article_id: int) -> tuple[Summary, list[Block]] | None:
        row = await get_article(sessions, article_id)
        if row is None or row.state != ArticleState.PUBLISHED:
            return None
        if row.source is not None:  # a feed's or repository's article: no file here, its text was kept
            body = await kept_body(sessions, article_id)
            if not body:
                return None  # /read shows its card
            kept = Article(key=row.key, path=row.path, title=row.title, date=row.date, body=body, url=row.url)
            return summary_of(row), article_blocks(kept)
        result = await asyncio.to_thread(load_article, content.root / row.path, content)
        if result.article is None:
            return None
        return summary_of(row), article_blocks(result.article)

    delivery = DeliveryEngine(
        sessions, {}, clock=clock, limits={}, worker_id=replica_id(), observer=metrics
    )
    due = DueTimes(clock)
    cards = ApprovalCards()
    notices = AdminNotices(parse_targets(settings.admins), sessions, cards)
    runner = queue_runner(sessions, clock=clock, grace=timedelta(seconds=settings.queue_grace), wake=delivery.wake)

    async def run_queue() -> QueueRunReport:
        report = await runner()
        due.changed()  # an item may have been added for later: look again at what is due next
        missed = missed_queue_notice(report)
        if missed:  # Herald was down past the grace period: say so, not only in the log
            notices.tell(missed)
        return report

    ctx = build_context(
        settings, sessions=sessions, clock=clock, read_article=read_article, run_queue=run_queue, wake=delivery.wake,
        settled=cards.settle,
    )
    services = AppServices(settings, ctx, delivery)
    specs = enabled_platforms(settings, platforms if platforms is not None else load_platforms())
    runtimes = [spec.create_runtime(settings, services) for spec in specs if spec.create_runtime]
    templates = load_sources(settings.templates)  # checked when the settings loaded; read once here
    for runtime in runtimes:
        if templates and isinstance(runtime.outlet, Templated):
            runtime.outlet.use_templates(templates)
        delivery.add_outlet(runtime.outlet, runtime.limits)
    cards.runtimes = notices.runtimes = runtimes

    async def on_publish(article_id: int) -> None:
        count = await announce(sessions, article_id, now=clock.now())
        log.info("article %s published: %s deliveries queued", article_id, count)
        delivery.wake()

    edits = EditPolicy(window=settings.edit_window, delete_removed=settings.delete_removed)
    index = LibraryIndex(
        sessions,
        content,
        SummaryConfig.from_settings(settings),
        clock=clock,
        auto_publish=settings.auto_publish,
        on_publish=on_publish,
        edits=edits,
        on_change=delivery.wake,
    )
    channels = parse_targets(settings.channels)
    await sync_config_channels(sessions, channels, clock.now())
    running = {runtime.name for runtime in runtimes}
    for target in channels:
        if target.platform not in running:
            log.warning("HERALD_CHANNELS names %s, but %s is not running here: its deliveries wait until it is",
                        target, target.platform)
    await _subscribe_default_channels(sessions, runtimes, clock)
    chosen = configured(settings)
    await sync_configured(sessions, chosen.polled, clock.now())
    herald = Herald(
        settings, clock, engine, sessions, content, index, delivery, services, metrics, notices, due, runtimes,
        run_queue=run_queue, digests=DigestJob(sessions, clock=clock, zone=settings.zone, wake=delivery.wake),
        folder=chosen.folder is not None,
    )
    base = callback_base(settings)
    if base is not None:
        herald.websub = WebSub(sessions, base=base, clock=clock, allow_private=settings.allow_private_fetch)
    herald.sources = SourcePoller(
        sessions,
        PollContext(
            content, SummaryConfig.from_settings(settings), clock, Path(settings.data_dir),
            allow_private=settings.allow_private_fetch,
        ),
        interval=settings.source_interval,
        tokens=source_tokens(settings),
        auto_publish=settings.auto_publish,
        edits=edits,
        on_publish=on_publish,
        on_change=delivery.wake,
        on_report=herald.after_source_poll,
        after_poll=herald.websub.after_poll if herald.websub is not None else None,
        on_alarm=herald.source_alarm,
    )
    delivery.on_retired = herald.target_retired
    return herald


async def _subscribe_default_channels(
    sessions: async_sessionmaker[AsyncSession], runtimes: list[Runtime], clock: Clock
) -> None:
    """Subscribe the chats a platform starts subscribed (the console is one subscribed chat) the
    first time only: a chat that unsubscribed later stays unsubscribed."""
    for runtime in runtimes:
        for channel_id, kind in runtime.default_channels:
            if await get_subscription(sessions, runtime.name, channel_id) is None:
                await subscribe(
                    sessions, runtime.name, channel_id, kind, categories=[], lang=None, now=clock.now()
                )
