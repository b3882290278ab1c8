"""A database outage in the middle of a broadcast: nothing lost, nothing sent twice.

The database goes away after some sends (every statement fails, or on PostgreSQL a TCP proxy in
front of it closes every connection) for longer than a lease, then comes back. Sends made in the
meantime cannot be recorded; before, their leases ran out and the rows were claimed and sent
again, so those chats got the post twice.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from db_proxy import DatabaseProxy
from delivery_support import T0, FakeOutlet, add_article, add_subscription, deliveries
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, Rate, RateLimits, fan_out
from bot.store.engine import create_engine, session_factory
from bot.store.models import Base

FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())
CHATS = 100
LEASE = 1.0
OUTAGE = 2.5  # longer than a lease: the old engine re-claimed what it had sent


class _FailingStatements:
    """Every statement on this engine fails while `down` (a database that stopped answering)."""

    def __init__(self, engine) -> None:
        self.down = False
        event.listen(engine.sync_engine, "before_cursor_execute", self._check)

    def _check(self, *args: object) -> None:
        if self.down:
            raise OperationalError("SELECT 1", None, ConnectionError("database is unavailable"))

    def cut(self) -> None:
        self.down = True

    def restore(self) -> None:
        self.down = False


async def _broadcast_through_outage(sessions, outage) -> tuple[FakeOutlet, list]:
    clock = SystemClock()
    outlet = FakeOutlet(clock, pause=0.01)
    article = await add_article(sessions, title="Outage")
    for n in range(CHATS):
        await add_subscription(sessions, str(1000 + n))
    await fan_out(sessions, article, now=T0)
    engine = DeliveryEngine(
        sessions, {outlet.name: outlet}, clock=clock, limits={outlet.name: FAST}, worker_id="w1",
        rng=random.Random(7), lease_seconds=LEASE, poll_seconds=0.2, concurrency=8,
    )  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(engine.run(stop))
    try:
        while len(outlet.sent) < 20:
            await asyncio.sleep(0.001)
        outage.cut()
        await asyncio.sleep(OUTAGE)
        sent_during = len(outlet.sent)
        outage.restore()
        async with asyncio.timeout(30):
            while True:
                rows = await deliveries(sessions)
                if all(r.status == "sent" for r in rows):
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(2 * LEASE)  # a row re-claimed after its lease would be sent by now
    finally:
        stop.set()
        await running
    assert sent_during > 20  # sends went on while the database was away
    return outlet, await deliveries(sessions)


def _assert_once_each(outlet: FakeOutlet, rows: list) -> None:
    per_chat = Counter(s.channel_id for s in outlet.sent)
    doubled = {chat: n for chat, n in per_chat.items() if n > 1}
    assert doubled == {}, f"{len(doubled)} chats got the post more than once"
    assert len(per_chat) == CHATS  # nobody lost
    assert {r.status for r in rows} == {"sent"} and all(r.message_id for r in rows)


async def test_an_outage_mid_broadcast_neither_loses_nor_doubles(engine, sessions) -> None:
    outage = _FailingStatements(engine)
    outlet, rows = await _broadcast_through_outage(sessions, outage)
    _assert_once_each(outlet, rows)


async def test_postgres_cut_off_by_a_proxy_neither_loses_nor_doubles(postgres_url) -> None:
    direct = create_engine(postgres_url)
    async with direct.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    url = make_url(postgres_url)
    proxy = DatabaseProxy(url.port or 5432, url.host or "127.0.0.1")
    await proxy.start()
    proxied = create_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        outlet, rows = await _broadcast_through_outage(session_factory(proxied), proxy)
        _assert_once_each(outlet, rows)
        assert proxy.refused > 0  # the database really was unreachable for a while
    finally:
        await proxied.dispose()
        await proxy.stop()
        async with direct.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
        await direct.dispose()


@pytest.fixture(autouse=True)
def _quiet_delivery_log(caplog) -> None:
    caplog.set_level("ERROR", logger="herald.delivery")
