"""A worker killed with SIGKILL mid-broadcast loses nothing: a new worker sends the rest, and
only rows that were in flight at the kill can arrive twice."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from delivery_support import T0, add_article, add_subscription, deliveries, kill_after, start_worker
from sqlalchemy import select

from bot.delivery import fan_out
from bot.store.models import Delivery

CHANNELS = 300


def _lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


async def test_kill_minus_nine_mid_broadcast_loses_nothing(db_url: str, sessions, tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (`sessions` gives the fresh schema, `db_url` the workers)."""
    log = tmp_path / "sent.log"
    article = await add_article(sessions)
    for n in range(CHANNELS):
        await add_subscription(sessions, f"chat{n}")
    assert await fan_out(sessions, article, now=T0) == CHANNELS

    first = start_worker(db_url, log, "first", lease=0.5)
    kill_after(first, lambda: len(_lines(log)), CHANNELS // 4)
    async with sessions() as session:
        in_flight = set(
            (await session.scalars(select(Delivery.channel_id).where(Delivery.status == "sending"))).all()
        )
    assert len(_lines(log)) < CHANNELS, "the first worker finished before it could be killed"

    time.sleep(0.6)  # the dead worker's leases run out
    second = start_worker(db_url, log, "second", lease=30)
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors.decode()

    counts = Counter(_lines(log))
    twice = {channel for channel, n in counts.items() if n > 1}
    assert set(counts) == {f"chat{n}" for n in range(CHANNELS)}
    assert max(counts.values()) <= 2
    assert twice <= in_flight
    assert {r.status for r in await deliveries(sessions)} == {"sent"}
