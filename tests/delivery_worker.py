"""A delivery worker in its own process, for the crash test: it sends every due outbox row of a
database (SQLite or PostgreSQL) through an outlet that appends each send to a file, then exits.

Usage: python tests/delivery_worker.py DATABASE_URL SENT_LOG WORKER_ID LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import Any

from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, Rate, RateLimits, delivery_counts
from bot.request import Request
from bot.store.engine import create_engine, session_factory
from bot.summary.model import Summary


class AppendOutlet:
    """Records each send as one line (`channel`) in a file, after a short network-like pause (an
    edit as `edit:channel:text`, a deletion as `delete:channel`)."""

    name = "fake"

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return [Request("sendMessage", {"text": summary.title})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        await asyncio.sleep(0.005)
        os.write(self._fd, f"{channel_id}\n".encode())  # one write: a whole line or nothing
        return channel_id

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        await asyncio.sleep(0.005)
        os.write(self._fd, f"edit:{channel_id}:{requests[0].params['text']}\n".encode())

    async def delete(self, channel_id: str, message_id: str) -> None:
        await asyncio.sleep(0.005)
        os.write(self._fd, f"delete:{channel_id}\n".encode())

    def channel_class(self, channel_id: str) -> str:
        return "private"


async def main(db_url: str, log_file: str, worker: str, lease: float) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    limits = RateLimits(overall=Rate(200), per_channel=Rate(100, burst=10), classes=())
    delivery = DeliveryEngine(
        sessions, {"fake": AppendOutlet(log_file)}, clock=SystemClock(),
        limits={"fake": limits}, worker_id=worker, lease_seconds=lease,
    )  # fmt: skip
    while (await delivery_counts(sessions, datetime.now(UTC)))["pending"]:
        await delivery.drain()
        await asyncio.sleep(0.05)  # rows leased by a dead worker become due when the lease ends
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
