"""Delivery under faults: Telegram's overall limit drops mid-broadcast, and the database goes away.

    .venv/bin/python -m bench.fault_bench [--scenario telegram-drop|db-outage|both]
        [--subscribers 2000] [--drop-rate 10] [--drop-seconds 15]
        [--outage-chats 100] [--outage-seconds 25] [--postgres URL]

telegram-drop: Herald (real app, real PTB) broadcasts one post to N private chats; the fake Bot API
(in a subprocess, Telegram's real limits) lowers its overall limit to 10 msg/s for 15 s once 300
messages are out. Prints lost and duplicated messages, the 429s, early retries (sends to a chat
before the retry_after it was given had passed; target < 5 % of the 429s), sends made while a
429 caused by the overall limit was in force, and the time against the ideal (every message at
the limits as they were: (N − drop_rate × drop_seconds) / 30 + drop_seconds).

db-outage: the delivery engine sends one post to 100 chats; after 20 sends every database
statement fails (SQLite), or a TCP proxy in front of PostgreSQL closes every connection
(`--postgres`), for 25 s. Then it runs until every row is recorded and one lease more (a row
re-claimed after its lease would be sent twice by then). Prints lost and duplicated messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.telegram_run import FIRST_CHAT, broadcast_to_fake

TOKEN = "7000000002:FaultBenchTokenFaultBenchToken02"
OVERALL = 30.0
DROP_AFTER = 300


# -- telegram-drop ---------------------------------------------------------------------------


async def _serve_fake(subscribers: int, drop_rate: float, drop_seconds: float) -> None:
    """Run the fake Bot API; lower its overall limit once DROP_AFTER messages are out; print stats."""
    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token=TOKEN) as tg:
        for chat in range(1, subscribers + 1):
            tg.add_chat(FIRST_CHAT - 1 + chat, type="private")
        print(tg.port, flush=True)

        async def drop() -> None:
            while len(tg.sent) < DROP_AFTER:
                await asyncio.sleep(0.01)
            tg.drop_global_rate(drop_rate, drop_seconds)

        dropping = asyncio.create_task(drop())
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        dropping.cancel()
        sends = Counter(m.chat_id for m in tg.sent if m.method.startswith("send"))
        stats = {
            "delivered_chats": len(sends),
            "lost": subscribers - len(sends),
            "duplicated": sum(n - 1 for n in sends.values() if n > 1),
            "too_many": tg.too_many,
            "early_retries": tg.flood.early_retries,
            "sends_during_global_429": tg.flood.during_global,
        }
        print(json.dumps(stats), flush=True)


async def telegram_drop(subscribers: int, drop_rate: float, drop_seconds: float) -> dict[str, float]:
    """Run the telegram-drop scenario and return its figures."""
    post = (
        "---\ntitle: Fault bench\ndate: 2026-01-02\ncategories: [Bench]\n---\n\n"
        + "A paragraph of the benchmark post. " * 30 + "\n"
    )
    run = await broadcast_to_fake(
        "bench.fault_bench", ["--drop-rate", str(drop_rate), "--drop-seconds", str(drop_seconds)],
        subscribers=subscribers, token=TOKEN, post=post, finished=("sent", "failed"),
        settle=1.0,  # anything sent twice would be sent by now
    )  # fmt: skip
    stats = run.fake
    ideal = (subscribers - drop_rate * drop_seconds) / OVERALL + drop_seconds
    return {"subscribers": subscribers, "seconds": round(run.seconds, 1), "ideal_seconds": round(ideal, 1),
            "ratio": round(ideal / run.seconds, 3), "global_throttles_seen": run.global_throttles, **stats,
            "early_retry_share": round(stats["early_retries"] / max(1, stats["too_many"]), 3)}


# -- db-outage --------------------------------------------------------------------------------


async def db_outage(chats: int, outage: float, postgres: str | None, lease: float = 30.0) -> dict[str, float]:
    """Run the db-outage scenario and return its figures."""
    from sqlalchemy import event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from bench.fanout_bench import LimitedOutlet
    from bot.clock import SystemClock
    from bot.delivery import DeliveryEngine, Rate, RateLimits, fan_out
    from bot.store.engine import create_engine, session_factory
    from bot.store.models import ArticleRow, Base, Delivery, Subscription
    from bot.store.states import ArticleState
    from tests.db_proxy import DatabaseProxy

    proxy: DatabaseProxy | None = None
    if postgres:
        postgres = await _private_database(postgres)
    with tempfile.TemporaryDirectory() as tmp:
        url = postgres or f"sqlite:///{Path(tmp) / 'outage.db'}"
        direct = create_engine(url)
        async with direct.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
        if postgres:
            parsed = make_url(postgres)
            proxy = DatabaseProxy(parsed.port or 5432, parsed.host or "127.0.0.1")
            await proxy.start()
            engine = create_engine(parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
            cut, restore = proxy.cut, proxy.restore
        else:
            engine = direct
            down = [False]

            def fail(*_args: object) -> None:
                if down[0]:
                    raise OperationalError("statement", None, ConnectionError("database is unavailable"))

            event.listen(engine.sync_engine, "before_cursor_execute", fail)
            cut, restore = (lambda: down.__setitem__(0, True)), (lambda: down.__setitem__(0, False))
        sessions = session_factory(engine)
        clock = SystemClock()
        now = clock.now()
        async with sessions.begin() as session:
            article = ArticleRow(key="o.md", path="o.md", title="Outage", date=now, state=ArticleState.PUBLISHED,
                                 summary={"key": "o.md", "title": "Outage", "excerpt": "…", "date": now.isoformat()},
                                 indexed_at=now)  # fmt: skip
            session.add(article)
            await session.flush()
            await session.execute(insert(Subscription), [
                {"platform": "bench", "channel_id": str(100_000 + n), "created_at": now, "updated_at": now}
                for n in range(chats)
            ])  # fmt: skip
            article_id = article.id
        await fan_out(sessions, article_id, now=now)
        class CountingOutlet(LimitedOutlet):
            async def send(self, channel_id: str, requests: list) -> str:
                message_id = await super().send(channel_id, requests)
                self.chats.append(channel_id)
                return message_id

        outlet = CountingOutlet(OVERALL, 1.0, 0.02)
        outlet.chats = []
        limits = RateLimits(overall=Rate(29.4, burst=3), per_channel=Rate(1.0), classes=())
        delivery = DeliveryEngine(sessions, {"bench": outlet}, clock=clock, limits={"bench": limits},
                                  worker_id="bench", lease_seconds=lease, poll_seconds=1.0)  # fmt: skip
        stop = asyncio.Event()
        t0 = time.perf_counter()
        running = asyncio.create_task(delivery.run(stop))
        while len(outlet.sent) < 20:
            await asyncio.sleep(0.005)
        cut()
        await asyncio.sleep(outage)
        sent_during = len(outlet.sent) - 20
        restore()
        while True:
            try:
                async with sessions() as session:
                    recorded = await session.scalar(
                        select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))
            except Exception:
                recorded = 0
            if recorded >= chats:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - t0
        await asyncio.sleep(lease + 2.0)  # a row re-claimed after its lease would be sent by now
        stop.set()
        await running
        await engine.dispose()
        if engine is not direct:
            await direct.dispose()
        if proxy is not None:
            await proxy.stop()
    if postgres:
        await _private_database(postgres, drop=True)
    sends = Counter(outlet.chats)
    return {"database": "postgresql (proxy)" if postgres else "sqlite (failing statements)",
            "chats": chats, "outage_seconds": outage, "sent_while_down": sent_during,
            "lost": chats - len(sends), "duplicated": sum(n - 1 for n in sends.values() if n > 1),
            "seconds_to_all_recorded": round(elapsed, 1)}


async def _private_database(url: str, *, drop: bool = False) -> str:
    """Create a database of its own next to `url`'s (or drop it again); return its URL."""
    import uuid

    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database if drop else f"herald_bench_{uuid.uuid4().hex[:10]}"
    admin = parsed.set(drivername="postgresql", database="postgres" if drop else parsed.database)
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark(s) and print their figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.fault_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("telegram-drop", "db-outage", "both"), default="both")
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--drop-rate", type=float, default=10.0)
    parser.add_argument("--drop-seconds", type=float, default=15.0)
    parser.add_argument("--outage-chats", type=int, default=100)
    parser.add_argument("--outage-seconds", type=float, default=25.0)
    parser.add_argument("--postgres", default=None, help="run db-outage on this PostgreSQL URL, through a proxy")
    parser.add_argument("--serve-fake", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("herald").setLevel(logging.ERROR)
    if args.serve_fake:
        asyncio.run(_serve_fake(args.serve_fake, args.drop_rate, args.drop_seconds))
        return 0
    ok = True
    if args.scenario in ("db-outage", "both"):
        figures = asyncio.run(db_outage(args.outage_chats, args.outage_seconds, args.postgres))
        print(f"db-outage: {figures['chats']} chats, database away {figures['outage_seconds']:g} s "
              f"({figures['sent_while_down']} sent meanwhile): lost {figures['lost']}, "
              f"duplicated {figures['duplicated']} (target 0/0)")
        print(json.dumps(figures))
        ok = ok and figures["lost"] == 0 and figures["duplicated"] == 0
    if args.scenario in ("telegram-drop", "both"):
        figures = asyncio.run(telegram_drop(args.subscribers, args.drop_rate, args.drop_seconds))
        print(f"telegram-drop: {figures['subscribers']} chats, limit {args.drop_rate:g}/s for "
              f"{args.drop_seconds:g} s: lost {figures['lost']}, duplicated {figures['duplicated']}, "
              f"429s {figures['too_many']}, early retries {figures['early_retries']} "
              f"({figures['early_retry_share']:.1%} of 429s, target < 5%), "
              f"{figures['seconds']} s vs ideal {figures['ideal_seconds']} s (ratio {figures['ratio']})")
        print(json.dumps(figures))
        ok = ok and figures["lost"] == 0 and figures["duplicated"] == 0 and figures["early_retry_share"] < 0.05
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
