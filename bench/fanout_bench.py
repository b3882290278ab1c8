"""Fan-out of one article to 10,000 subscribers through the delivery engine, on SQLite.

    python -m bench.fanout_bench [--subscribers N] [--scale X]

A fake platform enforces 30 messages/s overall and 1 message/s per chat, scaled ×10 so the run
takes well under a minute; every send past those limits is answered with a 429
(`RateLimited`). Prints the achieved send rate ÷ allowed rate (target ≥ 0.95), the 429s
received (target 0), the time to write the outbox rows and the peak memory.

Then the same write with half of the subscribers carrying keyword filters (includes and
excludes, some matching the article; target < 0.1 s), and one article against 100 subscriptions
with regular expressions, one of them the catastrophic `(a+)+$` facing a long title it cannot
match (bounded by the per-search time limit).
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

from sqlalchemy import insert, select

from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, Rate, RateLimited, RateLimits, delivery_counts, fan_out
from bot.filters import FilterRule
from bot.filters.regex_match import TIMEOUT
from bot.filters.text import match_text
from bot.request import Request
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, Base, Subscription, SubscriptionFilter
from bot.store.states import ArticleState
from bot.store.subscription_options import kinds_of
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


async def _setup(sessions, subscribers: int, now: datetime, *, title: str = "Bench", excerpt: str = "…") -> int:
    async with sessions.begin() as session:
        article = ArticleRow(
            key="bench.md", path="bench.md", title=title, date=now, state=ArticleState.PUBLISHED,
            summary={"key": "bench.md", "title": title, "excerpt": excerpt, "date": now.isoformat()},
            match_text=match_text(title, [], ["Python", "Release"], excerpt), indexed_at=now,
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


KEYWORD_MIX: tuple[tuple[FilterRule, ...], ...] = (
    (FilterRule("python"),),  # include, matches
    (FilterRule("rust"),),  # include, does not match
    (FilterRule("sponsored", exclude=True),),  # exclude, does not match
    (FilterRule("release", exclude=True),),  # exclude, matches
    (FilterRule("golang"), FilterRule("interpreter"), FilterRule("ads", exclude=True)),  # both, matches
    (FilterRule("python"), FilterRule("faster", exclude=True)),  # both, excluded
)
"""Keyword filters given in turn to the filtered half of the subscribers."""
TITLE = "Python 3.14 released"
EXCERPT = "The new interpreter is faster, and the release notes are long."


async def _add_filters(sessions, rules_by_subscription: dict[int, tuple[FilterRule, ...]]) -> None:
    rows = [
        {"subscription_id": sub_id, "exclude": rule.exclude, "regex": rule.regex, "pattern": rule.pattern}
        for sub_id, rules in rules_by_subscription.items()
        for rule in rules
    ]
    if not rows:
        return
    async with sessions.begin() as session:
        await session.execute(insert(SubscriptionFilter), rows)
        for kinds in {kinds_of(rules) for rules in rules_by_subscription.values()}:
            ids = [sub_id for sub_id, rules in rules_by_subscription.items() if kinds_of(rules) == kinds]
            for start in range(0, len(ids), 5000):
                await session.execute(
                    Subscription.__table__.update()
                    .where(Subscription.id.in_(ids[start : start + 5000]))
                    .values(filter_kinds=kinds)
                )


async def measure_filtered(subscribers: int = 10_000, share: float = 0.5) -> dict[str, float]:
    """Write one article's outbox for `subscribers`, `share` of them with keyword filters; return
    the rows and the seconds the write took."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessions = session_factory(engine)
        now = SystemClock().now()
        article = await _setup(sessions, subscribers, now, title=TITLE, excerpt=EXCERPT)
        async with sessions() as session:
            ids = list(await session.scalars(select(Subscription.id).order_by(Subscription.id)))
        filtered = ids[: int(len(ids) * share)]
        await _add_filters(sessions, {sub_id: KEYWORD_MIX[n % len(KEYWORD_MIX)] for n, sub_id in enumerate(filtered)})
        started = time.perf_counter()
        rows = await fan_out(sessions, article, now=now)
        seconds = time.perf_counter() - started
        await engine.dispose()
    expected = len(ids) - len(filtered) + sum(
        1 for n in range(len(filtered)) if n % len(KEYWORD_MIX) in (0, 2, 4)
    )
    return {"outbox_rows": rows, "expected_rows": expected, "fan_out_seconds": seconds, "filtered": len(filtered)}


async def measure_regex(count: int = 100) -> dict[str, float]:
    """Fan one long-titled article out to `count` subscriptions with regular expressions, one of
    them `(a+)+$`; return the rows and the seconds it took."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessions = session_factory(engine)
        now = SystemClock().now()
        article = await _setup(sessions, count, now, title="a" * 5000 + "!", excerpt="Nothing else.")
        async with sessions() as session:
            ids = list(await session.scalars(select(Subscription.id).order_by(Subscription.id)))
        patterns = ["(a+)+$", *(f"^a{{{n % 50 + 1}}}|word{n}" for n in range(count - 1))]
        await _add_filters(sessions, {sub_id: (FilterRule(p, regex=True),) for sub_id, p in zip(ids, patterns, strict=True)})
        started = time.perf_counter()
        rows = await fan_out(sessions, article, now=now)
        seconds = time.perf_counter() - started
        await engine.dispose()
    return {"outbox_rows": rows, "expected_rows": count - 1, "fan_out_seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0, help="speed-up of the platform limits")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.subscribers, args.scale))
    print(f"outbox rows written:      {figures['outbox_rows']:,} in {figures['fan_out_seconds']:.3f} s (one INSERT … SELECT)")
    print(f"delivered:                {figures['sent']:,} sent, {figures['failed']} failed, in {figures['send_seconds']:.1f} s")
    print(
        f"send rate:                {figures['send_rate']:.1f}/s of {figures['allowed_rate']:.0f}/s allowed"
        f" = {figures['rate_ratio']:.3f} (target ≥ 0.95)"
    )
    print(f"429s received:            {figures['rejected_429']} (target 0)")
    print(f"peak memory (RSS):        {figures['peak_rss_mb']:.0f} MB")
    ok = figures["rate_ratio"] >= 0.95 and figures["rejected_429"] == 0 and figures["sent"] == figures["outbox_rows"]
    filtered = asyncio.run(measure_filtered(args.subscribers))
    print(
        f"with keyword filters:     {filtered['outbox_rows']:,} rows in {filtered['fan_out_seconds']:.3f} s"
        f" ({filtered['filtered']:,} of {args.subscribers:,} filtered; unfiltered: {figures['fan_out_seconds']:.3f} s;"
        " target < 0.1 s)"
    )
    regex = asyncio.run(measure_regex())
    print(
        f"100 regex subscriptions:  {regex['outbox_rows']} rows in {regex['fan_out_seconds']:.3f} s"
        f" (one is (a+)+$ on a 5,000-character title; time limit {TIMEOUT} s a search)"
    )
    ok = ok and filtered["outbox_rows"] == filtered["expected_rows"] and regex["outbox_rows"] == regex["expected_rows"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
