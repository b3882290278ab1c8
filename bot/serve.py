"""Running a built Herald: `herald run` and `herald index` enter here.

`serve` starts every part (the content watcher, the health server, the platforms, the first
index pass in the background, then the scheduler's timed jobs and delivery) and stops them in
order, so commands are answered while a large library is still being indexed; `main_async` builds
Herald first, retrying with backoff while the database server is unreachable (answering /healthz
with 503 meanwhile); `run` adds logging and signals.

Every timed job runs on APScheduler (`bot.schedule.Scheduler`): the full rescan every
`HERALD_SCAN_INTERVAL`, the metrics gauges every `GAUGES_EVERY` seconds, the due times of
future-dated posts and queue items (`bot.schedule.due`), the digests (`bot.digests.job`), and
the polls of feeds and git repositories (`bot.sources.poller`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

from bot.app import CONSOLE, Herald, build
from bot.health import (
    HealthServer,
    HealthStatus,
    database_and_platforms_check,
    database_cause,
    wants_health_server,
)
from bot.index import IndexReport
from bot.logs import configure_logging, first_line
from bot.metrics import Metrics
from bot.panel.app import panel_mount
from bot.platform import PlatformSpec, Runtime, platform_health
from bot.progress import progress
from bot.reference import mask_url_password
from bot.replicas import SCHEDULER, Replicas, Role, receiver
from bot.replicas.sharing import share_deliveries
from bot.replicas.sqlite_lock import DatabaseInUse, hold_sqlite
from bot.schedule import Scheduler
from bot.schedule.jobs import recover_interrupted
from bot.schedule.watch import ContentWatcher
from bot.settings import Settings
from bot.sources.push import sources_mount
from bot.waits import Backoff, first_of, pause

__all__ = [
    "FIRST_PASS_HEAD_START", "GAUGES_EVERY", "RUNTIME_GRACE", "STARTUP_RETRY", "index_once", "main_async",
    "replicas_of", "run", "serve",
]

log = logging.getLogger("herald.app")

FIRST_PASS_HEAD_START = 0.3
"""Seconds the platforms wait for the first index pass before they start anyway (it goes on)."""
GAUGES_EVERY = 15.0
"""Seconds between two refreshes of the metrics gauges."""
RUNTIME_GRACE = 5.0
"""Seconds runtimes get to close their connections after a stop before they are cancelled."""
STARTUP_RETRY = (1.0, 30.0)
"""First and longest wait between two tries to reach the database when `herald run` starts."""


def replicas_of(herald: Herald) -> Replicas:
    """This process's roles: on SQLite the one process holds them all; on PostgreSQL they are
    leased (one receiver per platform, one scheduler; the console reads its own terminal)."""
    solo = herald.engine.dialect.name != "postgresql"
    names = [SCHEDULER, *(receiver(rt.name) for rt in herald.runtimes if rt.name != CONSOLE)]
    return Replicas(herald.sessions, names, solo=solo, metrics=herald.metrics, id=herald.delivery.worker)


async def serve(herald: Herald, stop: asyncio.Event, *, replicas: Replicas | None = None) -> None:
    """Run Herald until `stop` is set, or until every runtime has returned by itself (the console
    does at end of input); then finish pending deliveries and close.

    Every replica delivers from the outbox and answers /healthz; the parts that must run once
    across replicas run while this replica holds their role (`bot.replicas`): each platform's
    receiving side, and the scheduler (the watcher, rescans, due queue items and future-dated
    posts). On SQLite (one process) every role is held from the start.

    The first index pass runs in the background: the platforms start once it is done, or after
    `FIRST_PASS_HEAD_START` seconds, whichever comes first, so a small library is indexed before
    the first command (as it always was) and a large one does not keep commands waiting. On one
    process nothing is delivered until the pass is done, and no queue item or future-dated post
    is run (they may need what it finds: a post deleted while Herald was down); a post landing
    meanwhile is indexed after it. `herald.watcher` is set once the pass is done: tests wait for it."""
    replicas = replicas or replicas_of(herald)
    tasks: list[asyncio.Task[None]] = []
    if not replicas.solo:
        tasks += share_deliveries(
            herald.delivery, replicas, database_url=herald.settings.database_url,
            platforms=[rt.name for rt in herald.runtimes], stop=stop,
        )  # fmt: skip
    await replicas.start()
    for rt in herald.runtimes:
        if receiver(rt.name) in replicas.roles:
            rt.receiving = replicas.role(receiver(rt.name))
    heartbeat = asyncio.create_task(replicas.run(stop), name="heartbeat")
    local = Scheduler()
    local.every(GAUGES_EVERY, herald.refresh_gauges, "gauges")
    delivering: list[asyncio.Task[None]] = []

    def deliver() -> None:
        if not delivering:
            delivering.append(asyncio.create_task(herald.delivery.run(stop), name="delivery"))

    if not replicas.solo:
        deliver()  # the outbox is shared: deliver at once, whichever replica indexes
    turns = _Turns(deliver)
    first = asyncio.create_task(_lead(herald, replicas.role(SCHEDULER), stop, turns), name="scheduler-role")
    health = await _start_health(herald, replicas)
    local.start()
    await first_of(turns.indexed, asyncio.wait({first}), stop, timeout=FIRST_PASS_HEAD_START)
    runtime_tasks = [asyncio.create_task(rt.run(stop), name=f"runtime-{rt.name}") for rt in herald.runtimes]
    tasks += [asyncio.create_task(herald.check_targets(rt, stop), name=f"targets-{rt.name}") for rt in herald.runtimes]
    failed = asyncio.Event()

    def failed_if_raised(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            failed.set()

    first.add_done_callback(failed_if_raised)
    try:
        await first_of(stop, failed, asyncio.shield(asyncio.gather(*runtime_tasks, return_exceptions=True)))
    finally:
        stop.set()
        if runtime_tasks:  # let runtimes close their connections before cancelling them
            await asyncio.wait(runtime_tasks, timeout=RUNTIME_GRACE)
        for task in [first, heartbeat, *runtime_tasks, *tasks, *delivering]:
            if not task.done():
                task.cancel()
        await asyncio.gather(first, heartbeat, *runtime_tasks, *tasks, *delivering, return_exceptions=True)
        for task in turns.tasks:  # what a turn cancelled in its clean-up left running
            task.cancel()
        await asyncio.gather(*turns.tasks, return_exceptions=True)
        for scheduler in turns.schedulers:
            await scheduler.shutdown()
        await replicas.leave()  # nothing here receives or schedules any more: others may take over
        await herald.finish_notices(timeout=0)
        await local.shutdown()
        if delivering and not failed.is_set():
            await herald.delivery.drain()  # pending work is done before exit (once the index is up to date)
        for runtime in herald.runtimes:
            await runtime.aclose()
        if health is not None:
            await health.stop()
    if failed.is_set():
        first.result()  # the first index pass failed (the database, most often): Herald stops with it


@dataclass
class _Turns:
    """What the scheduler's turns share with `serve`, which stops what a cancelled turn left."""

    deliver: Callable[[], None]
    """Start delivering (once)."""
    indexed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a first index pass is done."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    schedulers: list[Scheduler] = field(default_factory=list)


async def _lead(herald: Herald, role: Role, stop: asyncio.Event, turns: _Turns) -> None:
    """Whenever this replica holds the scheduler role: watch the content folder and run the
    timed jobs until the role is lost (another replica then does) or Herald stops."""
    while await role.wait_held(stop):
        ended = asyncio.Event()
        turn = asyncio.create_task(role.turn(stop, ended), name="scheduler-turn")
        try:
            await _schedule(herald, ended, turns)
        finally:
            turn.cancel()
            await asyncio.gather(turn, return_exceptions=True)
        if not stop.is_set():
            log.warning("this replica no longer holds the scheduler role: another one watches and schedules")


async def _schedule(herald: Herald, ended: asyncio.Event, turns: _Turns) -> None:
    """One turn as the scheduler: resume interrupted queue items, watch, index once, then run
    every timed job until `ended` is set."""
    for item in await recover_interrupted(herald.sessions, now=herald.clock.now()):
        log.warning("queue item %s was interrupted by a restart; resuming it", item.id)
    scheduler = Scheduler()
    turns.schedulers.append(scheduler)
    mine: list[asyncio.Task[None]] = []
    watcher: ContentWatcher | None = None
    if herald.folder and herald.content.root.is_dir():

        async def on_batch(paths: set[Path]) -> None:
            await herald.after_index(await herald.index.index_paths(paths))

        watcher = ContentWatcher(herald.content.root, on_batch)
        mine.append(asyncio.create_task(watcher.run(ended), name="watcher"))
        turns.tasks += mine
    elif herald.folder:
        log.error("content folder %s does not exist: nothing to publish until it does", herald.content.root)
    scheduler.start()
    try:
        await _first_pass(herald, scheduler, ended, watcher, turns.deliver)
        turns.indexed.set()
        await ended.wait()
    finally:
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)
        await scheduler.shutdown()


async def _first_pass(
    herald: Herald, scheduler: Scheduler, stop: asyncio.Event, watcher: ContentWatcher | None,
    deliver: Callable[[], None],
) -> None:
    """Index the content folder, then start what needs the index: the queue and due times, the
    timed rescans, and delivery."""
    await herald.rescan()
    scheduler.every(max(1.0, herald.settings.scan_interval), herald.rescan, "rescan")
    assert herald.run_queue is not None
    await herald.run_queue()
    await herald.refresh_gauges()
    herald.due.start(scheduler, poll=herald.due_poll, next_due=herald.next_due, run_due=herald.run_due)
    if herald.digests is not None:
        herald.digests.start(scheduler)
    if herald.sources is not None:
        herald.sources.start(scheduler)
    deliver()
    if watcher is not None:
        await first_of(watcher.ready, stop)
        herald.watcher = watcher


async def _start_health(herald: Herald, replicas: Replicas) -> HealthServer | None:
    if not wants_health_server(herald.settings.http_port):
        return None
    server = HealthServer(
        herald.settings.http_port,
        host=herald.settings.http_host,
        check=database_and_platforms_check(
            herald.sessions, lambda: {rt.name: _platform_state(rt) for rt in herald.runtimes}
        ),
        metrics=herald.metrics,
        replica=lambda: {"id": replicas.id, "roles": replicas.held},
        mount=_both(
            panel_mount(herald.settings, sessions=herald.sessions, clock=herald.clock, run_queue=herald.run_queue,
                        wake=herald.delivery.wake, settled=herald.notices.cards.settle),
            sources_mount(herald.settings, sessions=herald.sessions, clock=herald.clock, websub=herald.websub,
                          wake=herald.sources.wake if herald.sources is not None else None),
        ),
    )
    return await _started(server, herald.settings)


def _both(*mounts: Callable[[web.Application], None]) -> Callable[[web.Application], None]:
    """One `mount` adding every part's routes (the panel, the sources' push and WebSub routes)."""

    def mount(root: web.Application) -> None:
        for each in mounts:
            each(root)

    return mount


def _platform_state(runtime: Runtime) -> tuple[bool, str]:
    """/healthz for one platform: a replica that does not receive it only sends (healthy)."""
    if not runtime.receiving.held:
        return True, "sending only (another replica receives)"
    return platform_health(runtime)


async def _started(server: HealthServer, settings: Settings) -> HealthServer | None:
    """Start the health server; log and go on without one when its port cannot be used."""
    try:
        await server.start()
    except OSError as exc:
        log.error("health server not started: %s:%s: %s", settings.http_host, settings.http_port,
                  exc.strerror or exc)
        return None
    return server


async def index_once(settings: Settings) -> IndexReport:
    """Index the content folder once, with a progress bar on a terminal (`herald index`)."""
    herald = await build(settings, platforms={})
    try:
        return await herald.index.scan(show=progress)
    finally:
        await herald.close()


async def _build_when_reachable(
    settings: Settings, stop: asyncio.Event, platforms: dict[str, PlatformSpec] | None
) -> Herald | None:
    """Build Herald; while a database server is unreachable, retry with backoff (logging each
    try at WARNING, without credentials) and answer /healthz with 503. None when stopped first.

    A SQLite file is not a server that comes back: its errors are raised at once."""
    retry = make_url(settings.database_url).get_backend_name() != "sqlite"
    backoff = Backoff(*STARTUP_RETRY)
    attempt = 0
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
                delay = backoff.next()
                log.warning(
                    "database HERALD_DATABASE_URL=%s unreachable (%s), attempt %d; trying again in %.0fs",
                    mask_url_password(settings.database_url), cause[0], attempt, delay,
                )  # fmt: skip
            if waiting is None and wants_health_server(settings.http_port):
                waiting = await _waiting_health(settings, cause)
            if await pause(stop, delay):
                return None
    finally:
        if waiting is not None:
            await waiting.stop()


async def _waiting_health(settings: Settings, cause: list[str]) -> HealthServer | None:
    """Serve /healthz as 503 (naming the database's problem) while the database is unreachable."""

    async def check() -> HealthStatus:
        return HealthStatus.from_checks({"database": (False, cause[0])})

    server = HealthServer(settings.http_port, host=settings.http_host, check=check, metrics=Metrics())
    return await _started(server, settings)


async def main_async(settings: Settings, *, platforms: dict[str, PlatformSpec] | None = None) -> int:
    """Run Herald until a signal (or, on the console, end of input)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        lock = hold_sqlite(settings.database_url)
    except DatabaseInUse as exc:
        log.critical("%s", exc)
        return 1
    try:
        herald = await _build_when_reachable(settings, stop, platforms)
        if herald is None:
            return 0
        try:
            await serve(herald, stop)
        finally:
            await herald.close()
    finally:
        if lock is not None:
            lock.release()
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
