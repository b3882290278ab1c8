"""A feed server on 127.0.0.1 for the feed source tests: real HTTP (aiohttp), a handler per path,
and a log of what each request asked for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from multidict import CIMultiDictProxy

from bot.content.config import ContentConfig
from bot.sources.model import PollContext
from bot.sources.spec import SourceKind, SourceSpec
from bot.summary import SummaryConfig
from tests.manual_clock import ManualClock

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FeedServer:
    """Answers each path with its handler (404 otherwise) and remembers every request."""

    base: str = ""
    handlers: dict[str, Handler] = field(default_factory=dict)
    asked: list[tuple[str, CIMultiDictProxy[str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.asked]

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml", **headers: str) -> None:
        """Answer `path` with `body`, honouring If-None-Match / If-Modified-Since when `headers`
        give an ETag / Last-Modified."""

        async def handler(request: web.Request) -> web.StreamResponse:
            etag, modified = headers.get("ETag"), headers.get("Last-Modified")
            if (etag and request.headers.get("If-None-Match") == etag) or (
                modified and request.headers.get("If-Modified-Since") == modified
            ):
                return web.Response(status=304, headers=headers)
            return web.Response(body=body, headers={"Content-Type": content_type, **headers})

        self.handlers[path] = handler

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.asked.append((request.path_qs, request.headers))
        handler = self.handlers.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not here")
        return await handler(request)


async def running_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.dispatch)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.base = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await asyncio.wait_for(runner.cleanup(), 10)


def context(root: Path, **options: object) -> PollContext:
    """A poll context for tests: private addresses allowed (the server is on 127.0.0.1)."""
    values: dict[str, object] = {"allow_private": True, **options}
    return PollContext(
        content=ContentConfig(root=root), summary=SummaryConfig(), clock=ManualClock(), data_dir=root, **values  # type: ignore[arg-type]
    )


def feed_spec(url: str, name: str = "blog") -> SourceSpec:
    return SourceSpec(name, SourceKind.FEED, url)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
