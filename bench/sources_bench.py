"""Polling 200 feeds of 50 entries on one process: CPU per unchanged poll, and the time from an
entry appearing in a feed to its card arriving.

    python -m bench.sources_bench [--feeds N] [--entries N] [--rounds N]

The feeds are served by a separate process on 127.0.0.1 (its CPU is not counted), half of them
with an ETag (an unchanged poll is answered 304) and half without (the same 200 body again).
Herald polls them through `SourcePoller` into a SQLite index; the reference, in the same run and
on the same server, is what a plain feed bot does: GET every feed (httpx, 16 at a time) and parse
it with feedparser every time. CPU is this process's (all threads), per poll.

Then one subscriber and a delivery engine with a recording outlet, the poller on APScheduler with
a 2 s interval (±10 % jitter; Herald's smallest configurable interval is 30 s, so the wait for the
next poll is what dominates in use: on average half the interval): an entry is added to a random
feed, and the time until its card is sent is measured, 20 times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
from aiohttp import web
from sqlalchemy import insert, update

from bot.clock import SystemClock
from bot.content.config import ContentConfig
from bot.delivery import DeliveryEngine, Rate, RateLimits
from bot.delivery.fanout import announce
from bot.request import Request
from bot.schedule import Scheduler
from bot.sources.model import PollContext
from bot.sources.poller import SourcePoller
from bot.sources.spec import parse_spec
from bot.store import sources as source_store
from bot.store.engine import create_engine, session_factory
from bot.store.models import Base, SourceRow, Subscription
from bot.summary import SummaryConfig
from bot.summary.model import Summary

T0 = datetime(2026, 11, 1, tzinfo=UTC)
WORDS = ["feed", "entry", "herald", "poll", "card", "summary", "thumbnail", "category", "link", "title", "text"]


# -- the feed server (its own process) ----------------------------------------------------------


def _item(feed: int, n: int, date: datetime) -> str:
    rnd = random.Random(feed * 1000 + n)
    body = " ".join(rnd.choice(WORDS) for _ in range(120))
    return (
        f"<item><title>Feed {feed} entry {n}</title><link>https://site{feed}.example/posts/{n}.html</link>"
        f'<guid isPermaLink="false">f{feed}-e{n}</guid><pubDate>{format_datetime(date)}</pubDate>'
        f"<category>News</category><category>Tech</category>"
        f'<enclosure url="https://img.example/{feed}/{n}.jpg" type="image/jpeg" length="1000"/>'
        f"<description><![CDATA[<p>{body[:300]}</p>]]></description>"
        f"<content:encoded><![CDATA[<p>{body}</p><p>{body}</p>]]></content:encoded></item>"
    )


class FeedServer:
    def __init__(self, feeds: int, entries: int) -> None:
        self.items = {f: [_item(f, n, T0 + timedelta(minutes=n)) for n in range(entries, 0, -1)] for f in range(feeds)}
        self.added = {f: 0 for f in range(feeds)}
        self.bodies: dict[int, bytes] = {}
        self.entries = entries

    def body(self, feed: int) -> bytes:
        if feed not in self.bodies:
            items = "".join(self.items[feed][: self.entries])
            self.bodies[feed] = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                f"<title>Site {feed}</title><link>https://site{feed}.example/</link><description>d</description>"
                f"{items}</channel></rss>"
            ).encode()
        return self.bodies[feed]

    async def feed(self, request: web.Request) -> web.Response:
        feed = int(request.match_info["feed"])
        body = self.body(feed)
        if request.match_info["kind"] == "etag":
            etag = f'"{feed}-{self.added[feed]}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml")

    async def add(self, request: web.Request) -> web.Response:
        feed = int(request.match_info["feed"])
        self.added[feed] += 1
        title = f"Fresh {feed}-{self.added[feed]}"
        item = _item(feed, 10_000 + self.added[feed], datetime.now(UTC)).replace(
            f"Feed {feed} entry {10_000 + self.added[feed]}", title
        )
        self.items[feed].insert(0, item)
        self.bodies.pop(feed, None)
        return web.Response(text=title)


def serve(port_file: str, feeds: int, entries: int) -> None:
    server = FeedServer(feeds, entries)
    app = web.Application()
    app.router.add_get("/{kind}/{feed}.xml", server.feed)
    app.router.add_post("/add/{feed}", server.add)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        Path(port_file).write_text(str(port))  # noqa: ASYNC240 - once, before serving
        await asyncio.Event().wait()

    asyncio.run(main())


# -- Herald and the reference --------------------------------------------------------------------


class RecordingOutlet:
    """A platform that notes when each card is sent."""

    name = "bench"

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return [Request("sendMessage", {"text": summary.title})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        self.sent[str(requests[0].params["text"])] = time.monotonic()
        return str(len(self.sent))

    def channel_class(self, channel_id: str) -> str:
        return "private"


async def _all_due(sessions, prefix: str) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(SourceRow).where(SourceRow.name.startswith(prefix)).values(next_fetch_at=T0)
        )


async def _cpu(work) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    await work()
    return time.process_time() - cpu, time.perf_counter() - wall


async def naive_round(client: httpx.AsyncClient, urls: list[str]) -> int:
    """What a plain feed bot does each round: fetch every feed, parse it, look at its entries."""
    gate = asyncio.Semaphore(16)
    seen = 0

    async def one(url: str) -> None:
        nonlocal seen
        async with gate:
            response = await client.get(url)
            parsed = feedparser.parse(response.content)
            seen += len(parsed.entries)

    await asyncio.gather(*(one(url) for url in urls))
    return seen


def start_server(tmp: Path, feeds: int, entries: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start the feed server in its own process; return it and its base URL."""
    port_file = tmp / "port"
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.sources_bench", "--serve", str(port_file), "--feeds", str(feeds),
         "--entries", str(entries)],
    )  # fmt: skip
    for _ in range(400):
        if port_file.exists() and port_file.read_text():
            break
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port_file.read_text()}"


async def measure(
    base: str, tmp: str, feeds: int = 200, entries: int = 50, rounds: int = 3, trials: int = 20
) -> dict[str, float]:
    """Run the benchmark against the feed server at `base`; return its figures."""
    figures: dict[str, float] = {}
    half = feeds // 2
    engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    clock = SystemClock()
    specs = [parse_spec(f"etag{i}={base}/etag/{i}.xml") for i in range(half)]
    specs += [parse_spec(f"plain{i}={base}/plain/{i + half}.xml") for i in range(feeds - half)]
    await source_store.sync_configured(sessions, specs, clock.now())
    ctx = PollContext(ContentConfig(root=Path(tmp)), SummaryConfig(), clock, Path(tmp), allow_private=True)
    outlet = RecordingOutlet()
    fast = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=100), classes=())
    delivery = DeliveryEngine(sessions, {"bench": outlet}, clock=clock, limits={"bench": fast}, worker_id="b")

    async def on_publish(article_id: int) -> None:
        await announce(sessions, article_id, now=clock.now())
        delivery.wake()

    poller = SourcePoller(sessions, ctx, interval=2.0, on_publish=on_publish, rng=random.Random(7))
    cpu, wall = await _cpu(poller.look)
    figures["first_poll_cpu_ms"] = cpu / feeds * 1000
    figures["first_poll_wall_s"] = wall
    for label, prefix in (("etag", "etag"), ("plain", "plain")):
        total = 0.0
        for _ in range(rounds):
            await _all_due(sessions, prefix)
            cpu, _ = await _cpu(poller.look)
            total += cpu
        figures[f"herald_{label}_cpu_ms"] = total / (rounds * (half if label == "etag" else feeds - half)) * 1000
    urls = [spec.location for spec in specs]
    async with httpx.AsyncClient() as client:
        await naive_round(client, urls[:4])  # warm up
        total = 0.0
        for _ in range(rounds):
            cpu, _ = await _cpu(lambda: naive_round(client, urls))
            total += cpu
        figures["naive_cpu_ms"] = total / (rounds * feeds) * 1000

        # Latency: entry appears → card sent, with the poller on its scheduler.
        async with sessions.begin() as session:
            await session.execute(insert(Subscription), [
                {"platform": "bench", "channel_id": "1", "created_at": clock.now(), "updated_at": clock.now()}
            ])  # fmt: skip
        stop = asyncio.Event()
        runner = asyncio.create_task(delivery.run(stop))
        scheduler = Scheduler()
        scheduler.start()
        poller.start(scheduler)
        lags = []
        rnd = random.Random(11)
        for _ in range(trials):
            feed = rnd.randrange(feeds)
            title = (await client.post(f"{base}/add/{feed}")).text
            appeared = time.monotonic()
            while title not in outlet.sent:
                await asyncio.sleep(0.005)
            lags.append(outlet.sent[title] - appeared)
            await asyncio.sleep(rnd.uniform(0, 0.5))
        stop.set()
        await scheduler.shutdown()
        await runner
    figures["lag_p50_s"] = statistics.median(lags)
    figures["lag_p95_s"] = sorted(lags)[int(len(lags) * 0.95) - 1]
    figures["lag_max_s"] = max(lags)
    await engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sources_bench")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.feeds, args.entries)
        return
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(Path(tmp), args.feeds, args.entries)
        try:
            f = asyncio.run(measure(base, tmp, args.feeds, args.entries, args.rounds))
        finally:
            server.terminate()
            server.wait()
    print(f"{args.feeds} feeds of {args.entries} entries, one process, SQLite")
    print(f"  first poll (everything parsed and indexed): {f['first_poll_cpu_ms']:.1f} CPU ms per feed, "
          f"{f['first_poll_wall_s']:.1f} s for all")
    print(f"  unchanged poll, feed with ETag (304): Herald {f['herald_etag_cpu_ms']:.2f} CPU ms")
    print(f"  unchanged poll, feed without ETag (same 200 body): Herald {f['herald_plain_cpu_ms']:.2f} CPU ms")
    print(f"  reference (httpx GET + feedparser.parse every poll): {f['naive_cpu_ms']:.2f} CPU ms per poll "
          f"→ Herald uses {f['herald_etag_cpu_ms'] / f['naive_cpu_ms']:.2f}× (ETag), "
          f"{f['herald_plain_cpu_ms'] / f['naive_cpu_ms']:.2f}× (no ETag)")
    print(f"  entry appears → card sent, polled every 2 s ±10 %: p50 {f['lag_p50_s']:.2f} s, "
          f"p95 {f['lag_p95_s']:.2f} s, max {f['lag_max_s']:.2f} s")


if __name__ == "__main__":
    main()
