"""Fan-out of one article to 10,000 subscribers through the delivery engine, on SQLite.

    python -m bench.fanout_bench [--subscribers N] [--scale X]

A fake platform enforces 30 messages/s overall and 1 message/s per chat, scaled ×10 so the run
takes well under a minute; every send past those limits is answered with a 429
(`RateLimited`). Prints the achieved send rate ÷ allowed rate (target ≥ 0.95), the 429s
received (target 0), the time to write the outbox rows and the peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, Rate, RateLimited, RateLimits, delivery_counts, fan_out
from bot.request import Request
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, Base, Subscription
from bot.store.states import ArticleState
from bot.summary.model import Summary

OVERALL = 30.0  # messages per second, all chats (the platform's published guidance)
PER_CHAT = 1.0  # messages per second, one chat
HEADROOM = 0.98
"""The engine paces at 98% of the limit with a burst of 3: timers fire late (epoll rounds up to
whole milliseconds), and the small burst lets the pacer catch up without ever putting more than
the limit into any one-second window."""


class LimitedOutlet:
    """A platform that counts every send and answers 429 past its limits (a 1 s sliding window
    overall, 1/`per_chat` s between two messages to one chat)."""

    name = "bench"

    def __init__(self, overall: float, per_chat: float, latency: float) -> None:
        self._overall = int(overall)
        self._chat_gap = 1.0 / per_chat
        self._latency = latency
        self._window: deque[float] = deque()
        self._last: dict[str, float] = {}
        self.sent: list[float] = []
        self.rejected = 0

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return [Request("sendMessage", {"text": summary.title})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        last = self._last.get(channel_id)
        if len(self._window) >= self._overall:
            self.rejected += 1
            raise RateLimited(self._window[0] + 1.0 - now)
        if last is not None and now - last < self._chat_gap:
            self.rejected += 1
            raise RateLimited(last + self._chat_gap - now)
        self._window.append(now)
        self._last[channel_id] = now
        self.sent.append(now)
        await asyncio.sleep(self._latency)  # the request's round trip
        return str(len(self.sent))

    def channel_class(self, channel_id: str) -> str:
        return "private"


async def _setup(sessions, subscribers: int, now: datetime) -> int:
    async with sessions.begin() as session:
        article = ArticleRow(
            key="bench.md", path="bench.md", title="Bench", date=now, state=ArticleState.PUBLISHED,
            summary={"key": "bench.md", "title": "Bench", "excerpt": "…", "date": now.isoformat()},
            indexed_at=now,
        )  # fmt: skip
        session.add(article)
        await session.flush()
        await session.execute(
            insert(Subscription),
            [
                {"platform": "bench", "channel_id": str(100_000 + n), "created_at": now, "updated_at": now}
                for n in range(subscribers)
            ],
        )
        return article.id


async def measure(subscribers: int = 10_000, scale: float = 10.0, latency: float = 0.01) -> dict[str, float]:
    """Run the benchmark and return its figures."""
    allowed = OVERALL * scale
    outlet = LimitedOutlet(allowed, PER_CHAT * scale, latency)
    limits = RateLimits(
        overall=Rate(OVERALL * HEADROOM, burst=3), per_channel=Rate(PER_CHAT), classes=()
    ).scaled(scale)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessions = session_factory(engine)
        clock = SystemClock()
        article = await _setup(sessions, subscribers, clock.now())

        started = time.perf_counter()
        rows = await fan_out(sessions, article, now=clock.now())
        fan_out_seconds = time.perf_counter() - started

        delivery = DeliveryEngine(
            sessions, {"bench": outlet}, clock=clock, limits={"bench": limits},
            worker_id="bench", concurrency=16,
        )  # fmt: skip
        started = time.perf_counter()
        since = datetime(2000, 1, 1, tzinfo=UTC)
        while (await delivery_counts(sessions, since))["pending"]:
            await delivery.drain()
            await asyncio.sleep(0.01)  # rows answered 429 come due after their retry_after
        elapsed = time.perf_counter() - started
        counts = await delivery_counts(sessions, since)
        await engine.dispose()

    span = outlet.sent[-1] - outlet.sent[0] if len(outlet.sent) > 1 else float("nan")
    rate = (len(outlet.sent) - 1) / span
    return {
        "outbox_rows": rows,
        "fan_out_seconds": fan_out_seconds,
        "sent": counts["sent"],
        "failed": counts["failed"],
        "send_seconds": elapsed,
        "send_rate": rate,
        "allowed_rate": allowed,
        "rate_ratio": rate / allowed,
        "rejected_429": outlet.rejected,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0, help="speed-up of the platform limits")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.subscribers, args.scale))
    print(f"outbox rows written:      {figures['outbox_rows']:,} in {figures['fan_out_seconds']:.3f} s (one statement)")
    print(f"delivered:                {figures['sent']:,} sent, {figures['failed']} failed, in {figures['send_seconds']:.1f} s")
    print(
        f"send rate:                {figures['send_rate']:.1f}/s of {figures['allowed_rate']:.0f}/s allowed"
        f" = {figures['rate_ratio']:.3f} (target ≥ 0.95)"
    )
    print(f"429s received:            {figures['rejected_429']} (target 0)")
    print(f"peak memory (RSS):        {figures['peak_rss_mb']:.0f} MB")
    ok = figures["rate_ratio"] >= 0.95 and figures["rejected_429"] == 0 and figures["sent"] == figures["outbox_rows"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
