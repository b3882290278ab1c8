"""The HTTP routes that make a source due at once, on the health server (`bot.health`, beside the panel).

`POST /sources/<name>/push` is a git host's webhook (only when HERALD_SOURCE_PUSH_SECRET is set;
404 otherwise): GitHub's `X-Hub-Signature-256: sha256=<hex>` and Gitea's or Forgejo's
`X-Gitea-Signature: <hex>` (HMAC-SHA256 of the body under the secret), or GitLab's
`X-Gitlab-Token: <secret>`, all compared in constant time. The body is read at most
`MAX_PUSH_BYTES` (413 beyond) within `READ_TIMEOUT`; a wrong or missing signature is 401 and says
nothing more; a signed push for a source that does not exist is 404; GitHub's `ping` is 200. A
push makes the source due (`poll_now`) and, when this replica polls, looks at once (else the
polling replica's next look, within `bot.sources.poller.LOOK` seconds): 202. At most one push per
source per `THROTTLE` seconds counts; more are answered 202 and ignored.

`GET` and `POST /sources/<name>/websub` are the WebSub callback (`bot.sources.websub`; 404 when
Herald has no public https address): the hub's verification (the challenge echoed only for what
Herald asked for), and content distribution: 202 when signed with the subscription's secret (the
source is made due, with the same throttle) and also 202, ignored, when unsigned or wrongly signed
(WebSub asks for a 2xx then), 410 for a source with no subscription (the hub may drop it: that is
how a removed source unsubscribes), 413 beyond `MAX_DISTRIBUTION_BYTES`. The pushed body is only
checked, never read as the feed: the next poll's conditional GET fetches it. Neither the secret
nor a signature is ever logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.sources.websub import MAX_CHALLENGE, WebSub, parse_signature
from bot.store import sources as store

__all__ = [
    "MAX_DISTRIBUTION_BYTES", "MAX_PUSH_BYTES", "READ_TIMEOUT", "THROTTLE", "SourceRoutes", "Trigger", "mount_sources",
    "sources_mount",
]

log = logging.getLogger("herald.sources")

MAX_PUSH_BYTES = 2**20
"""A webhook body beyond this is refused (413): GitHub caps its payloads at 25 MB, but a push
that matters is a few kilobytes, and Herald reads none of it."""
MAX_DISTRIBUTION_BYTES = 10 * 2**20
"""A WebSub distribution carries the whole feed: as big as a feed may be (`PollContext.max_bytes`)."""
THROTTLE = 5.0
"""Seconds during which a second push for the same source is ignored."""
READ_TIMEOUT = 30.0
"""Seconds a request body may take to arrive."""
MAX_TOPIC = 4096
_CHUNK = 64 * 1024
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_EVENTS = ("X-GitHub-Event", "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event", "X-Gitlab-Event")
_GITEA = ("X-Gitea-Signature", "X-Forgejo-Signature", "X-Gogs-Signature")
_REMEMBERED = 4096


class Trigger:
    """Make a source due now and wake the poller, at most once per source per `every` seconds."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        wake: Callable[[], bool] | None = None,
        *,
        every: float = THROTTLE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._wake = wake
        self._every = every
        self._monotonic = monotonic
        self._last: dict[str, float] = {}

    async def fire(self, name: str) -> bool | None:
        """Make `name` due; None when there is no such source, False when throttled (ignored)."""
        now = self._monotonic()
        last = self._last.get(name)
        if last is not None and now - last < self._every:
            return False
        if not await store.poll_now(self._sessions, name, self._clock.now()):
            return None
        if len(self._last) >= _REMEMBERED:
            self._last = {key: when for key, when in self._last.items() if now - when < self._every}
        self._last[name] = now
        looked = self._wake() if self._wake is not None else False
        log.info("source %s: pushed, polling %s", name, "now" if looked else "at the poller's next look")
        return True


class SourceRoutes:
    """The handlers of `/sources/<name>/push` and `/sources/<name>/websub`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        trigger: Trigger,
        *,
        secret: str | None,
        websub: WebSub | None = None,
    ) -> None:
        self._sessions = sessions
        self._trigger = trigger
        self._secret = secret.encode() if secret else None
        self._websub = websub

    async def push(self, request: web.Request) -> web.StreamResponse:
        """A git host's webhook."""
        name = request.match_info["name"]
        if self._secret is None or not _NAME.fullmatch(name):
            raise web.HTTPNotFound()
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        await _read_into(request, mac, MAX_PUSH_BYTES)
        if not self._signed(request, mac):
            log.info("source %s: a push was refused (no valid signature)", name)
            raise web.HTTPUnauthorized(text="unauthorized")
        event = next((request.headers[h] for h in _EVENTS if h in request.headers), "").strip().lower()
        if event == "ping":
            if await store.get_source(self._sessions, name) is None:
                raise web.HTTPNotFound()
            return web.Response(status=200, text="pong")
        fired = await self._trigger.fire(name)
        if fired is None:
            raise web.HTTPNotFound()
        return web.Response(status=202, text="accepted")

    def _signed(self, request: web.Request, mac: hmac.HMAC) -> bool:
        assert self._secret is not None
        headers = request.headers
        expected = mac.hexdigest().encode()
        github = headers.get("X-Hub-Signature-256")
        if github is not None:
            method, _, value = github.strip().partition("=")
            return method.lower() == "sha256" and hmac.compare_digest(expected, _bytes(value.lower()))
        gitea = next((headers[h] for h in _GITEA if h in headers), None)
        if gitea is not None:
            return hmac.compare_digest(expected, _bytes(gitea.strip().lower()))
        token = headers.get("X-Gitlab-Token")
        if token is not None:
            return hmac.compare_digest(self._secret, _bytes(token))
        return False

    async def verify(self, request: web.Request) -> web.StreamResponse:
        """A WebSub hub's verification of intent (or its denial)."""
        name = request.match_info["name"]
        if self._websub is None or not _NAME.fullmatch(name):
            raise web.HTTPNotFound()
        query = request.query
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        challenge = query.get("hub.challenge", "")
        if len(topic) > MAX_TOPIC or len(challenge) > MAX_CHALLENGE:
            raise web.HTTPNotFound()
        answer = await self._websub.verify(
            name, mode, topic, challenge, query.get("hub.lease_seconds", ""), query.get("hub.reason", "")[:1000]
        )
        if answer is None:
            raise web.HTTPNotFound()
        return web.Response(text=answer, content_type="text/plain",
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    async def distribute(self, request: web.Request) -> web.StreamResponse:
        """A WebSub hub's content distribution: the feed changed."""
        name = request.match_info["name"]
        if self._websub is None or not _NAME.fullmatch(name):
            raise web.HTTPNotFound()
        if (request.content_length or 0) > MAX_DISTRIBUTION_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_DISTRIBUTION_BYTES, request.content_length or 0)
        secret = await self._websub.secret(name)
        if secret is None:
            raise web.HTTPGone()
        signature = parse_signature(request.headers.get("X-Hub-Signature"))
        if signature is None:
            log.info("source %s: a WebSub distribution without a usable signature was ignored", name)
            return web.Response(status=202, text="accepted")
        mac = signature.new_mac(secret)
        await _read_into(request, mac, MAX_DISTRIBUTION_BYTES)
        if not signature.matches(mac):
            log.info("source %s: a WebSub distribution with a wrong signature was ignored", name)
            return web.Response(status=202, text="accepted")
        await self._trigger.fire(name)
        return web.Response(status=202, text="accepted")


def _bytes(text: str) -> bytes:
    return text.strip().encode("utf-8", "replace")


async def _read_into(request: web.Request, mac: hmac.HMAC, limit: int) -> None:
    """Feed the request body into `mac`; 413 past `limit` bytes, 408 past `READ_TIMEOUT` seconds."""
    if (request.content_length or 0) > limit:
        raise web.HTTPRequestEntityTooLarge(limit, request.content_length or 0)
    size = 0
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            while chunk := await request.content.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise web.HTTPRequestEntityTooLarge(limit, size)
                mac.update(chunk)
    except TimeoutError:
        raise web.HTTPRequestTimeout() from None


def mount_sources(root: web.Application, routes: SourceRoutes) -> None:
    """Add the push and WebSub routes to `root`."""
    root.router.add_post("/sources/{name}/push", routes.push)
    root.router.add_get("/sources/{name}/websub", routes.verify)
    root.router.add_post("/sources/{name}/websub", routes.distribute)


def sources_mount(
    settings: Any,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    wake: Callable[[], bool] | None = None,
    websub: WebSub | None = None,
) -> Callable[[web.Application], None]:
    """Return what `HealthServer(mount=...)` calls to serve the routes (`wake`: the poller's, so a
    push received by the replica that polls is looked at at once)."""
    secret = settings.source_push_secret.get_secret_value() if settings.source_push_secret else None
    routes = SourceRoutes(sessions, Trigger(sessions, clock, wake), secret=secret, websub=websub)
    return lambda root: mount_sources(root, routes)
