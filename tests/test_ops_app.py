"""The operations endpoints of a running Herald: /healthz follows the database, /metrics counts sends.

Everything runs through `bot.app.build` and `serve`, with a fake platform whose outlet records
what it is asked to send, so what is checked is what an operator's probe would see.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import Herald, build
from bot.clock import SystemClock
from bot.delivery.ratelimit import RateLimits
from bot.platform import PlatformSpec, RuntimeBase
from bot.request import Request
from bot.serve import serve
from bot.settings import Settings
from bot.store.subscriptions import subscribe
from bot.summary.model import Summary

PLATFORM = "recorder"
CHAT = "-1001"
SENT_LINE = f'herald_deliveries_total{{outcome="sent",platform="{PLATFORM}"}}'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _render(summary: Summary, *_: object, plain: bool = False) -> list[Request]:
    return [Request("print", {"text": summary.title})]


@dataclass
class _Outlet:
    name: str = PLATFORM
    sent: list[tuple[str, str]] = field(default_factory=list)

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return _render(summary, plain=plain)

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        self.sent.append((channel_id, requests[0].params["text"]))
        return str(len(self.sent))

    def channel_class(self, channel_id: str) -> str:
        return "group"


@dataclass
class _Runtime(RuntimeBase):
    """A platform that is always connected and sends nowhere but into `outlet.sent`."""

    outlet: _Outlet = field(default_factory=_Outlet)
    name: str = PLATFORM
    limits: RateLimits = field(default_factory=RateLimits)

    @property
    def connected(self) -> bool:
        return True

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()


@dataclass
class Running:
    herald: Herald
    runtime: _Runtime
    port: int
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"http://127.0.0.1:{self.port}{path}") as response:
            return response.status, await response.text()


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def _running(settings: Settings) -> AsyncIterator[Running]:
    runtimes: list[_Runtime] = []

    def create(_settings: Settings, _core: object) -> _Runtime:
        runtimes.append(_Runtime())
        return runtimes[-1]

    spec = PlatformSpec(PLATFORM, _render, _render, enabled=lambda s: True, create_runtime=create)
    herald = await build(settings, clock=SystemClock(), platforms={PLATFORM: spec})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(herald, stop))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            running = Running(herald, runtimes[0], settings.http_port, http)
            # Serving, and the first index pass done (`herald.watcher` is set then).
            await eventually(lambda: task.done() or (_listening(settings.http_port) and herald.watcher is not None))
            if task.done():
                task.result()
            yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await herald.close()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _settings(tmp_path: Path, database_url: str) -> Settings:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    return Settings(content_dir=content, database_url=database_url, http_port=_free_port())


@pytest.fixture
async def sqlite_app(tmp_path: Path) -> AsyncIterator[Running]:
    async for running in _running(_settings(tmp_path, f"sqlite:///{tmp_path / 'data' / 'herald.db'}")):
        yield running


@pytest.fixture
async def postgres_app(tmp_path: Path, postgres_url: str) -> AsyncIterator[Running]:
    async for running in _running(_settings(tmp_path, postgres_url)):
        yield running


async def test_healthz_is_200_then_503_while_the_sqlite_database_is_gone(
    sqlite_app: Running, tmp_path: Path
) -> None:
    status, body = await sqlite_app.get("/healthz")
    assert status == 200, body
    assert '"database": "ok"' in body and f'"{PLATFORM}": "connected"' in body

    (tmp_path / "data").rename(tmp_path / "data-away")
    try:
        status, body = await sqlite_app.get("/healthz")
        assert status == 503
        assert '"reason": "database: ' in body
    finally:
        (tmp_path / "data-away").rename(tmp_path / "data")

    status, body = await sqlite_app.get("/healthz")
    assert status == 200, body


async def _admin(sql: str, *args: object) -> None:
    from tests.conftest import POSTGRES_URL

    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_healthz_follows_postgresql_refusing_connections_and_back(
    postgres_app: Running, postgres_url: str
) -> None:
    name = make_url(postgres_url).database
    assert (await postgres_app.get("/healthz"))[0] == 200
    try:
        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        status, body = await postgres_app.get("/healthz")
        assert status == 503
        assert '"reason": "database: ' in body
    finally:
        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    status, body = await postgres_app.get("/healthz")
    assert status == 200, body


POST = """---
title: {title}
date: 2020-01-02 03:04:05
categories: [ops]
---

Herald counts what it sends, and this post is what it sends.
"""


async def test_metrics_count_a_published_post_sent_to_a_subscriber(
    sqlite_app: Running, tmp_path: Path
) -> None:
    herald = sqlite_app.herald
    status, text = await sqlite_app.get("/metrics")
    assert status == 200
    assert f"{SENT_LINE} 1.0" not in text

    await subscribe(herald.sessions, PLATFORM, CHAT, "group", [], None, herald.clock.now())
    (herald.content.root / "counted.md").write_text(POST.format(title="Counted"), encoding="utf-8")
    await herald.index.scan()
    await eventually(lambda: sqlite_app.runtime.outlet.sent)
    assert sqlite_app.runtime.outlet.sent == [(CHAT, "Counted")]

    async def sent_counted() -> str:
        async with asyncio.timeout(10):
            while True:
                _, text = await sqlite_app.get("/metrics")
                if f"{SENT_LINE} 1.0" in text:
                    return text
                await asyncio.sleep(0.05)

    text = await sent_counted()
    assert f'herald_send_latency_seconds_count{{platform="{PLATFORM}"}} 1.0' in text
