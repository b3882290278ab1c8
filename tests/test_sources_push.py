"""A git host's push webhook (`POST /sources/<name>/push`, `bot.sources.push`) on the app's HTTP
server, over real HTTP on 127.0.0.1, with a real poller polling a real feed server: each signature
style (GitHub, Gitea/Forgejo, GitLab) makes the source due and polled at once, exactly once; a bad
or missing signature is 401 and leaves it alone; no secret configured is 404; a body too big is
413; pushes within the throttle are ignored; GitHub's ping is answered."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from aiohttp import web
from manual_clock import ManualClock
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.config import ContentConfig
from bot.health import HealthServer, HealthStatus
from bot.metrics import Metrics
from bot.schedule import Scheduler
from bot.sources.model import PollContext
from bot.sources.poller import SourcePoller
from bot.sources.push import MAX_PUSH_BYTES, SourceRoutes, Trigger, mount_sources, sources_mount
from bot.sources.spec import parse_spec
from bot.sources.websub import WebSub
from bot.store import sources as store
from bot.summary import SummaryConfig

SECRET = "push-s3cret-value"


@dataclass
class Site:
    """A feed (and, for WebSub, a hub) on 127.0.0.1; counts what it was asked."""

    base: str = ""
    feed_gets: int = 0
    hub: str = ""
    """Extra XML put in the feed's channel (the hub and self links)."""
    hub_status: int = 202
    subscriptions: list[dict[str, str]] = field(default_factory=list)

    def feed(self) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>Blog</title><link>{self.base}/</link>{self.hub}"
            f"<item><guid>one</guid><title>One</title><link>{self.base}/one</link></item></channel></rss>"
        ).encode()

    async def serve_feed(self, request: web.Request) -> web.Response:
        self.feed_gets += 1
        body = self.feed()
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def serve_hub(self, request: web.Request) -> web.Response:
        self.subscriptions.append(dict(await request.post()))  # type: ignore[arg-type]
        return web.Response(status=self.hub_status)


@asynccontextmanager
async def site_server() -> AsyncIterator[Site]:
    site = Site()
    app = web.Application()
    app.router.add_get("/feed.xml", site.serve_feed)
    app.router.add_post("/hub", site.serve_hub)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.base = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield site
    finally:
        await runner.cleanup()


@dataclass
class Bench:
    sessions: async_sessionmaker[AsyncSession]
    clock: ManualClock
    poller: SourcePoller
    site: Site
    http: httpx.AsyncClient
    """A client pointed at Herald's HTTP server."""
    websub: WebSub | None
    ticks: list[float]
    """The throttle's clock (seconds): tests move it instead of waiting."""

    async def polled(self, before: int) -> int:
        """Wait until the feed was fetched again, let the look finish, and return the fetches since `before`."""
        for _ in range(750):
            if self.site.feed_gets > before:
                break
            await _tick()
        await self.poller.look()  # waits for a look under way; the source is no longer due
        return self.site.feed_gets - before

    async def due(self, name: str = "blog") -> bool:
        status = await store.get_source(self.sessions, name)
        assert status is not None and status.next_fetch_at is not None
        return status.next_fetch_at.replace(tzinfo=None) <= self.clock.now().replace(tzinfo=None)


async def _tick() -> None:
    await asyncio.sleep(0.02)


@asynccontextmanager
async def bench(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, *, secret: str | None = SECRET,
    websub_base: str | None = None, hub: bool = False, hub_status: int = 202,
) -> AsyncIterator[Bench]:
    """A feed source `blog`, its poller on a running scheduler (first poll done), and the app's HTTP
    server with the sources' routes mounted."""
    clock = ManualClock()
    async with site_server() as site:
        site.hub_status = hub_status
        if hub:
            site.hub = (f'<atom:link rel="hub" href="{site.base}/hub"/>'
                        f'<atom:link rel="self" href="{site.base}/feed.xml" type="application/rss+xml"/>')
        websub = WebSub(sessions, base=websub_base, clock=clock, allow_private=True) if websub_base else None
        ctx = PollContext(ContentConfig(root=tmp_path), SummaryConfig(), clock, tmp_path, allow_private=True)
        poller = SourcePoller(sessions, ctx, interval=600, rng=random.Random(1),
                              after_poll=websub.after_poll if websub else None)
        await store.add_source(sessions, parse_spec(f"blog={site.base}/feed.xml"), clock.now())
        ticks = [1000.0]
        routes = SourceRoutes(sessions, Trigger(sessions, clock, poller.wake, monotonic=lambda: ticks[0]),
                              secret=secret, websub=websub)
        server = HealthServer(0, check=_healthy, metrics=Metrics(), mount=lambda root: mount_sources(root, routes))
        await server.start()
        scheduler = Scheduler()
        scheduler.start()
        try:
            poller.start(scheduler)  # looks at once: the first poll primes the source, the next is in ten minutes
            for _ in range(750):
                status = await store.get_source(sessions, "blog")
                if status is not None and status.primed_at is not None:
                    break
                await _tick()
            await poller.look()  # waits for that look to end
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.bound_port}") as http:
                yield Bench(sessions, clock, poller, site, http, websub, ticks)
        finally:
            await scheduler.shutdown()
            await server.stop()


async def _healthy() -> HealthStatus:
    return HealthStatus(ok=True)


def github(body: bytes, secret: str = SECRET, event: str = "push") -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={mac}", "X-GitHub-Event": event, "Content-Type": "application/json"}


def gitea(body: bytes, secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Gitea-Signature": mac, "X-Gitea-Event": "push", "Content-Type": "application/json"}


def gitlab(_body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook", "Content-Type": "application/json"}


BODY = b'{"ref": "refs/heads/main", "after": "0123abcd"}'


@pytest.mark.parametrize("style", [github, gitea, gitlab], ids=["github", "gitea", "gitlab"])
async def test_a_signed_push_polls_the_source_at_once_and_once(sessions, tmp_path: Path, style, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with bench(sessions, tmp_path) as b:
        assert not await b.due()
        before = b.site.feed_gets
        response = await b.http.post("/sources/blog/push", content=BODY, headers=style(BODY))
        assert response.status_code == 202
        assert await b.polled(before) == 1
        assert not await b.due()  # polled: next poll on its interval again
    assert SECRET not in caplog.text and hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest() not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        github(BODY, secret="wrong"),
        {"X-Hub-Signature-256": "sha1=" + "0" * 40},
        {"X-Hub-Signature-256": "sha256=zz"},
        gitea(BODY, secret="wrong"),
        gitlab(BODY, secret="wrong"),
        gitlab(BODY, secret=SECRET + "x"),
        {"X-Gitlab-Token": "é".encode()},
    ],
    ids=["none", "github-wrong", "github-sha1", "github-garbage", "gitea-wrong", "gitlab-wrong", "gitlab-longer",
         "gitlab-non-ascii"],
)
async def test_a_push_without_a_valid_signature_is_refused_and_changes_nothing(sessions, tmp_path: Path, headers) -> None:
    async with bench(sessions, tmp_path) as b:
        response = await b.http.post("/sources/blog/push", content=BODY, headers=headers)
        assert response.status_code == 401
        assert SECRET not in response.text and "signature" not in response.text.lower()
        assert not await b.due()


async def test_a_signature_of_another_body_is_refused(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        response = await b.http.post("/sources/blog/push", content=BODY + b" ", headers=github(BODY))
        assert response.status_code == 401
        assert not await b.due()


async def test_without_a_secret_there_is_no_push_endpoint(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path, secret=None) as b:
        response = await b.http.post("/sources/blog/push", content=BODY, headers=github(BODY))
        assert response.status_code == 404
        assert not await b.due()


async def test_an_unknown_source_is_404_but_only_once_signed(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        assert (await b.http.post("/sources/nope/push", content=BODY, headers=github(BODY))).status_code == 404
        assert (await b.http.post("/sources/nope/push", content=BODY)).status_code == 401  # names stay unknown
        assert (await b.http.post("/sources/NOT..valid/push", content=BODY, headers=github(BODY))).status_code == 404


async def test_a_body_too_big_is_413_and_changes_nothing(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        big = b"x" * (MAX_PUSH_BYTES + 1)
        response = await b.http.post("/sources/blog/push", content=big, headers=github(big))
        assert response.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the read itself stops
            for _ in range(MAX_PUSH_BYTES // 65536 + 2):
                yield b"y" * 65536

        response = await b.http.post("/sources/blog/push", content=chunks(), headers={"X-Gitlab-Token": SECRET})
        assert response.status_code == 413
        assert not await b.due()


async def test_pushes_within_five_seconds_count_once(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        before = b.site.feed_gets
        answers = [(await b.http.post("/sources/blog/push", content=BODY, headers=github(BODY))).status_code
                   for _ in range(5)]
        assert answers == [202] * 5
        assert await b.polled(before) == 1
        b.ticks[0] += 4.9
        assert (await b.http.post("/sources/blog/push", content=BODY, headers=github(BODY))).status_code == 202
        assert not await b.due()  # the ones after the first were ignored: not due again
        b.ticks[0] += 0.1
        before = b.site.feed_gets
        assert (await b.http.post("/sources/blog/push", content=BODY, headers=github(BODY))).status_code == 202
        assert await b.polled(before) == 1


async def test_the_routes_mounted_from_the_settings(sessions, tmp_path: Path) -> None:
    """`sources_mount` as `herald run` mounts it: the secret comes from HERALD_SOURCE_PUSH_SECRET."""
    clock = ManualClock()
    await store.add_source(sessions, parse_spec("blog=https://example.org/feed.xml"), clock.now())
    for secret, unsigned, signed in ((None, 404, 404), (SECRET, 401, 202)):
        settings = SimpleNamespace(source_push_secret=SecretStr(secret) if secret else None)
        server = HealthServer(0, check=_healthy, metrics=Metrics(),
                              mount=sources_mount(settings, sessions=sessions, clock=clock))
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.bound_port}") as http:
                assert (await http.post("/sources/blog/push", content=BODY)).status_code == unsigned
                assert (await http.post("/sources/blog/push", content=BODY, headers=gitea(BODY))).status_code == signed
                assert (await http.get("/sources/blog/websub")).status_code == 404  # no public address: no WebSub
        finally:
            await server.stop()


async def test_github_ping_is_answered_without_polling(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        ping = b'{"zen": "Keep it logically awesome."}'
        response = await b.http.post("/sources/blog/push", content=ping, headers=github(ping, event="ping"))
        assert response.status_code == 200
        assert not await b.due()
        response = await b.http.post("/sources/nope/push", content=ping, headers=github(ping, event="ping"))
        assert response.status_code == 404


async def test_a_push_while_this_replica_does_not_poll_is_seen_at_the_next_look(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path) as b:
        b.poller._scheduler = None  # another replica holds the scheduler role
        before = b.site.feed_gets
        response = await b.http.post("/sources/blog/push", content=BODY, headers=gitlab(BODY))
        assert response.status_code == 202
        assert await b.due()
        assert await b.polled(before) == 1


async def test_the_throttle_is_per_source_and_forgets_after_five_seconds(sessions, tmp_path: Path) -> None:
    clock = ManualClock()
    for name in ("blog", "news"):
        await store.add_source(sessions, parse_spec(f"{name}=https://example.org/{name}.xml"), clock.now())
    ticks = [100.0]
    looks: list[int] = []
    trigger = Trigger(sessions, clock, lambda: looks.append(1) or True, monotonic=lambda: ticks[0])
    assert [await trigger.fire("blog"), await trigger.fire("blog"), await trigger.fire("news")] == [True, False, True]
    ticks[0] += 4.9
    assert await trigger.fire("blog") is False
    ticks[0] += 0.1
    assert [await trigger.fire("blog"), await trigger.fire("nope")] == [True, None]
    assert len(looks) == 3
