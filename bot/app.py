"""The composition root: build everything from `Settings`, own start and stop.

`herald run` and the tests enter here. Nothing else wires the store, the index, the watcher and
scheduler, the delivery engine, the commands, the health server and the platforms together.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.approvals import ApprovalCards
from bot.check import unpublishable_notice
from bot.clock import Clock, SystemClock
from bot.commands import Reply, build_context
from bot.commands.admin import approval_request
from bot.content import ContentConfig, load_article
from bot.delivery.engine import DeliveryEngine
from bot.delivery.fanout import announce
from bot.health import (
    HealthServer,
    HealthStatus,
    database_and_platforms_check,
    database_cause,
    wants_health_server,
)
from bot.index import IndexReport, LibraryIndex
from bot.logs import configure_logging, first_line
from bot.metrics import Metrics
from bot.platform import PlatformSpec, Runtime, load_platforms, platform_health
from bot.progress import progress
from bot.reference import mask_url_password
from bot.schedule import Scheduler
from bot.schedule.broadcasts import plan, send_round
from bot.schedule.jobs import QueueRunReport, recover_interrupted, run_due_queue
from bot.schedule.watch import ContentWatcher
from bot.services import AppServices
from bot.settings import Settings
from bot.store import queue as queue_store
from bot.store.articles import get_article, summary_of
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.queue import queue_length
from bot.store.stats import article_counts, disabled_targets, subscription_counts
from bot.store.subscriptions import get_subscription, subscribe, sync_config_channels
from bot.summary import SummaryConfig, article_blocks
from bot.summary.model import Block, Summary
from bot.target_check import check_configured, tell_once
from bot.targets import Target, parse_targets

log = logging.getLogger("herald.app")

CONSOLE = "console"
GAUGES_EVERY = 15.0
DUE_POLL = 15.0
"""Longest wait between looks at what is due next (future-dated posts, queue items): the wait is
shorter when something is due sooner, and is cut short whenever the index or the queue changes."""
RUNTIME_GRACE = 5.0
"""Seconds runtimes get to close their connections after a stop before they are cancelled."""


QueueRunner = Callable[[], Awaitable[QueueRunReport]]


@dataclass
class Herald:
    """One Herald, built but not yet running: what `serve` runs and tests drive."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: ContentConfig
    index: LibraryIndex
    delivery: DeliveryEngine
    services: AppServices
    metrics: Metrics
    runtimes: list[Runtime] = field(default_factory=list)
    run_queue: QueueRunner | None = None
    """Broadcast every due admin queue item now (each one its own delivery round)."""
    due_poll: float = DUE_POLL
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when what is due next may have changed (an index pass, a queue change)."""
    watcher: ContentWatcher | None = None
    """The content folder's watcher while `serve` runs (its `ready` tells when changes are seen)."""
    _notices: set[asyncio.Task[None]] = field(default_factory=set)
    approval_cards: ApprovalCards = field(default_factory=ApprovalCards)
    """The approval requests sent to admins, so a decision shows on every copy."""

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

    async def after_index(self, report: IndexReport) -> None:
        """Ask the admins about articles that became held, and look again at what is due next."""
        self.changed.set()
        for problem in report.fresh:  # once per problem: when first seen, or when its file changed
            log.warning("%s", problem)
        notice = unpublishable_notice(report.fresh)
        if notice:
            self.tell_admins(notice)
        if report.held:
            self.notify_admins(report.held)

    def notify_admins(self, article_ids: Iterable[int]) -> None:
        """Send every configured admin an approval request per held article (in the background)."""
        ids = list(article_ids)
        if ids and self.settings.admins:
            self._in_background(self._ask_approval(ids), "approval-requests")

    def tell_admins(self, text: str) -> None:
        """Send every configured admin a notice (in the background)."""
        if self.settings.admins:
            self._in_background(self._send_to_admins(Reply(text), "notice"), "admin-notice")

    def _in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _ask_approval(self, article_ids: list[int]) -> None:
        for article_id in article_ids:
            row = await get_article(self.sessions, article_id)
            if row is not None and row.state == "held":
                await self._send_to_admins(
                    approval_request(summary_of(row)), f"approval of article {article_id}", card_of=article_id
                )

    async def _send_to_admins(self, reply: Reply, what: str, *, card_of: int | None = None) -> None:
        for admin in parse_targets(self.settings.admins):
            runtime = next((rt for rt in self.runtimes if rt.name == admin.platform), None)
            if runtime is None:
                log.warning("cannot reach admin %s about %s: platform not running", admin, what)
                continue
            try:
                sent = await runtime.send_direct(admin.channel_id, reply)
                if card_of is not None and sent is not None:  # (chat id, message handle): settled later
                    self.approval_cards.add(card_of, admin.platform, *sent)
            except Exception as exc:  # noqa: BLE001 - one unreachable admin must not stop the others
                log.warning("message to admin %s about %s not sent: %s", admin, what, type(exc).__name__)
            else:
                log.info("told admin %s about %s", admin, what)

    async def finish_notices(self, timeout: float = RUNTIME_GRACE) -> None:
        """Wait a little for approval requests still being sent, then cancel them."""
        if self._notices:
            await asyncio.wait(set(self._notices), timeout=timeout)
        for task in list(self._notices):
            task.cancel()

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
        log.warning("HERALD_CHANNELS %s is disabled: %s", target, reason)
        await tell_once(self.sessions, target, reason, self.tell_admins)
        await self.refresh_gauges()

    async def check_targets(self, runtime: Runtime, stop: asyncio.Event) -> None:
        """Once `runtime` is connected, check its configured channels (see bot.target_check)."""
        try:
            await check_configured(
                self.sessions, runtime, list(parse_targets(self.settings.channels)), stop,
                now=self.clock.now, tell=self.tell_admins,
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
        if row is None or row.state != "published":
            return None
        result = await asyncio.to_thread(load_article, content.root / row.path, content)
        if result.article is None:
            return None
        return summary_of(row), article_blocks(result.article)

    delivery = DeliveryEngine(
        sessions, {}, clock=clock, limits={}, worker_id=f"{socket.gethostname()}-{os.getpid()}", observer=metrics
    )
    changed = asyncio.Event()
    runner = _queue_runner(sessions, clock, settings, delivery)

    async def run_queue() -> QueueRunReport:
        report = await runner()
        changed.set()  # an item may have been added for later: look again at what is due next
        return report

    cards = ApprovalCards()
    ctx = build_context(
        settings, sessions=sessions, clock=clock, read_article=read_article, run_queue=run_queue, wake=delivery.wake,
        settled=cards.settle,
    )
    services = AppServices(settings, ctx, delivery)
    specs = enabled_platforms(settings, platforms if platforms is not None else load_platforms())
    runtimes = [spec.create_runtime(settings, services) for spec in specs if spec.create_runtime]
    for runtime in runtimes:
        delivery.add_outlet(runtime.outlet, runtime.limits)
    cards.runtimes = runtimes

    async def on_publish(article_id: int) -> None:
        count = await announce(sessions, article_id, now=clock.now())
        log.info("article %s published: %s deliveries queued", article_id, count)
        delivery.wake()

    index = LibraryIndex(
        sessions,
        content,
        SummaryConfig.from_settings(settings),
        clock=clock,
        auto_publish=settings.auto_publish,
        on_publish=on_publish,
    )
    channels = parse_targets(settings.channels)
    await sync_config_channels(sessions, channels, clock.now())
    running = {runtime.name for runtime in runtimes}
    for target in channels:
        if target.platform not in running:
            log.warning("HERALD_CHANNELS names %s, but %s is not running here: its deliveries wait until it is",
                        target, target.platform)
    await _subscribe_default_channels(sessions, runtimes, clock)
    herald = Herald(
        settings, clock, engine, sessions, content, index, delivery, services, metrics, runtimes,
        run_queue=run_queue, changed=changed, approval_cards=cards,
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


def _queue_runner(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, delivery: DeliveryEngine
) -> QueueRunner:
    """Return the admin queue runner: due items go out, each as its own delivery round."""

    async def send(article_id: int, target: str | None, round_: int) -> int:
        count = await send_round(sessions, article_id, target, round_, now=clock.now())
        delivery.wake()
        return count

    async def run() -> QueueRunReport:
        report = await run_due_queue(
            sessions, now=clock.now(), broadcast=send, grace=timedelta(seconds=settings.queue_grace)
        )
        if report.sent:
            log.info("queue: %d item(s) broadcast, %d deliveries", len(report.sent), report.deliveries)
        return report  # run_due_queue logs skipped items; _run_queue tells the admins

    return run


async def _index_once(herald: Herald) -> None:
    report = await herald.index.scan()
    await herald.after_index(report)
    await _publish_due(herald)
    log.info(
        "indexed %s: %d new, %d published, %d updated, %d removed, %d unchanged, %d problems",
        herald.content.root, len(report.new), len(report.published), len(report.updated),
        len(report.removed), report.unchanged, len(report.problems),
    )  # fmt: skip


async def _run_queue(herald: Herald) -> None:
    assert herald.run_queue is not None
    report = await herald.run_queue()
    if report.skipped:  # Herald was down past the grace period: say so, not only in the log
        lines = [f"Queued broadcasts not sent ({len(report.skipped)}):"]
        lines += [f"#{item.id} · article #{item.article_id}: {item.note}" for item in report.skipped]
        herald.tell_admins("\n".join(lines))


async def _publish_due(herald: Herald) -> None:
    """Publish future-dated articles whose date has come (or hold them and ask the admins)."""
    await herald.after_index(await herald.index.publish_due())


async def _next_due(herald: Herald) -> datetime | None:
    moments = [m for m in (await herald.index.next_due(), await queue_store.next_due(herald.sessions)) if m]
    return min(moments) if moments else None


async def watch_due(herald: Herald, stop: asyncio.Event) -> None:
    """Publish future-dated posts and send queue items when their time comes, until `stop`.

    Waits until the next thing is due (at most `herald.due_poll` seconds, so rows added from
    the shell are seen too), or until an index pass or a queue change says it may be sooner.
    """
    while not stop.is_set():
        try:
            upcoming = await _next_due(herald)
            now = herald.clock.now()
            if upcoming is not None and upcoming <= now:
                await _publish_due(herald)
                await _run_queue(herald)
                await asyncio.sleep(0.01)  # a row that stays due must not spin the loop
                continue
        except Exception:  # the database may be briefly unreachable: try again after a pause
            log.exception("checking what is due failed")
            upcoming, now = None, herald.clock.now()
        delay = herald.due_poll
        if upcoming is not None:
            delay = min(delay, max(0.01, (upcoming - now).total_seconds()))
        herald.changed.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(herald.changed.wait())]
        await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()


async def _start_health(herald: Herald) -> HealthServer | None:
    if not wants_health_server(herald.settings.http_port):
        return None
    server = HealthServer(
        herald.settings.http_port,
        host=herald.settings.http_host,
        check=database_and_platforms_check(
            herald.sessions, lambda: {rt.name: platform_health(rt) for rt in herald.runtimes}
        ),
        metrics=herald.metrics,
    )
    try:
        await server.start()
    except OSError as exc:
        log.error(
            "health server not started: %s:%s: %s",
            herald.settings.http_host, herald.settings.http_port, exc.strerror or exc,
        )
        return None
    return server


async def serve(herald: Herald, stop: asyncio.Event) -> None:
    """Run Herald until `stop` is set, or until every runtime has returned by itself (the console
    does at end of input); then finish pending deliveries and close."""
    for item in await recover_interrupted(herald.sessions, now=herald.clock.now()):
        log.warning("queue item %s was interrupted by a restart; resuming it", item.id)
    await _index_once(herald)
    health = await _start_health(herald)
    scheduler = Scheduler()

    async def rescan() -> None:
        await _index_once(herald)

    scheduler.every(max(1.0, herald.settings.scan_interval), rescan, "rescan")
    scheduler.every(GAUGES_EVERY, herald.refresh_gauges, "gauges")
    scheduler.start()
    await _run_queue(herald)
    await herald.refresh_gauges()

    tasks = [
        asyncio.create_task(herald.delivery.run(stop), name="delivery"),
        asyncio.create_task(watch_due(herald, stop), name="due"),
    ]
    if herald.content.root.is_dir():

        async def on_batch(paths: set[Path]) -> None:
            await herald.after_index(await herald.index.index_paths(paths))

        watcher = herald.watcher = ContentWatcher(herald.content.root, on_batch)
        tasks.append(asyncio.create_task(watcher.run(stop), name="watcher"))
    else:
        log.error("content folder %s does not exist: nothing to publish until it does", herald.content.root)
    runtime_tasks = [asyncio.create_task(rt.run(stop), name=f"runtime-{rt.name}") for rt in herald.runtimes]
    tasks += [asyncio.create_task(herald.check_targets(rt, stop), name=f"targets-{rt.name}") for rt in herald.runtimes]
    try:
        stopped: asyncio.Future[Any] = asyncio.create_task(stop.wait())
        everything: asyncio.Future[Any] = asyncio.gather(*runtime_tasks, return_exceptions=True)
        await asyncio.wait([stopped, everything], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
    finally:
        stop.set()
        if runtime_tasks:  # let runtimes close their connections before cancelling them
            await asyncio.wait(runtime_tasks, timeout=RUNTIME_GRACE)
        for task in runtime_tasks + tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*runtime_tasks, *tasks, return_exceptions=True)
        await herald.finish_notices(timeout=0)
        await scheduler.shutdown()
        await herald.delivery.drain()  # pending work is done before exit
        for runtime in herald.runtimes:
            await runtime.aclose()
        if health is not None:
            await health.stop()


async def index_once(settings: Settings) -> IndexReport:
    """Index the content folder once, with a progress bar on a terminal (`herald index`)."""
    herald = await build(settings, platforms={})
    try:
        return await herald.index.scan(show=progress)
    finally:
        await herald.close()


STARTUP_RETRY = (1.0, 30.0)
"""First and longest wait between two tries to reach the database when `herald run` starts."""


async def _build_when_reachable(
    settings: Settings, stop: asyncio.Event, platforms: dict[str, PlatformSpec] | None
) -> Herald | None:
    """Build Herald; while a database server is unreachable, retry with backoff (logging each
    try at WARNING, without credentials) and answer /healthz with 503. None when stopped first.

    A SQLite file is not a server that comes back: its errors are raised at once."""
    retry = make_url(settings.database_url).get_backend_name() != "sqlite"
    delay, attempt = STARTUP_RETRY[0], 0
    waiting: HealthServer | None = None
    cause = ["starting"]
    try:
        while True:
            attempt += 1
            try:
                return await build(settings, platforms=platforms)
            except (ProgrammingError, IntegrityError):
                raise  # the server answered and refused a statement (a broken schema): waiting won't help
            except (OSError, SQLAlchemyError, TimeoutError) as exc:
                if not retry:
                    raise
                cause[0] = database_cause(exc)
                log.warning(
                    "database HERALD_DATABASE_URL=%s unreachable (%s), attempt %d; trying again in %.0fs",
                    mask_url_password(settings.database_url), cause[0], attempt, delay,
                )  # fmt: skip
            if waiting is None and wants_health_server(settings.http_port):
                waiting = await _waiting_health(settings, cause)
            await _first_of(stop, delay)
            if stop.is_set():
                return None
            delay = min(STARTUP_RETRY[1], delay * 2)
    finally:
        if waiting is not None:
            await waiting.stop()


async def _waiting_health(settings: Settings, cause: list[str]) -> HealthServer | None:
    """Serve /healthz as 503 (naming the database's problem) while the database is unreachable."""

    async def check() -> HealthStatus:
        return HealthStatus.from_checks({"database": (False, cause[0])})

    server = HealthServer(settings.http_port, host=settings.http_host, check=check, metrics=Metrics())
    try:
        await server.start()
    except OSError as exc:
        log.error("health server not started: %s:%s: %s", settings.http_host, settings.http_port,
                  exc.strerror or exc)
        return None
    return server


async def _first_of(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less when `stop` is set."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def main_async(settings: Settings, *, platforms: dict[str, PlatformSpec] | None = None) -> int:
    """Run Herald until a signal (or, on the console, end of input)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    herald = await _build_when_reachable(settings, stop, platforms)
    if herald is None:
        return 0
    try:
        await serve(herald, stop)
    finally:
        await herald.close()
    failed = [rt.name for rt in herald.runtimes if rt.failure]
    if failed:
        log.error("stopped: %s could not run (see above)", ", ".join(failed))
        return 1
    return 0


def run(settings: Settings) -> int:
    """Entry point of `herald run`."""
    secrets = [s.get_secret_value() for s in (settings.telegram_token, settings.discord_token) if s]
    password = make_url(settings.database_url).password
    if password:
        secrets.append(str(password))
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets)
    try:
        return asyncio.run(main_async(settings))
    except (OSError, SQLAlchemyError) as exc:  # the database (or its folder) cannot be used
        log.critical("cannot use the database HERALD_DATABASE_URL=%s: %s",
                     mask_url_password(settings.database_url), first_line(exc))
        return 1
