"""Replicas telling each other about the outbox through PostgreSQL's LISTEN/NOTIFY: rows were
added (wake up and claim your part now, instead of at the next poll), and a platform throttled
the bot as a whole (hold your sends too: the limit is the bot's, not one replica's).

A notification is sent inside the transaction that adds the rows, so it arrives once they are
committed. Each replica listens on one connection of its own; while that connection is down
the engines fall back to polling (`DeliveryEngine` looks every few seconds anyway), and it is
opened again with backoff. SQLite (one process) sends and listens to nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.waits import Backoff, first_of, pause

log = logging.getLogger("herald.delivery")

__all__ = ["CHANNEL", "OutboxSignals", "notify_added", "notify_throttled"]

CHANNEL = "herald_outbox"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_MAX_PAYLOAD = 512
"""Bytes of a notification this listener reads at most (its own are a few dozen)."""


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def notify_added(session: AsyncSession) -> None:
    """Tell every replica, once this transaction commits, that outbox rows were added."""
    if _postgres(session):
        await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": '{"added": true}'})


async def notify_throttled(session: AsyncSession, *, sender: str, platform: str, seconds: float) -> None:
    """Tell the other replicas that `platform` throttled the bot for `seconds`."""
    if _postgres(session):
        payload = json.dumps({"sender": sender, "platform": platform, "pause": round(seconds, 3)})
        await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


class OutboxSignals:
    """Listen for other replicas' notifications and act on them (`run`)."""

    def __init__(
        self,
        database_url: str,
        *,
        me: str,
        added: Callable[[], None],
        throttled: Callable[[str, float], None],
    ) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._me = me
        self._added = added
        self._throttled = throttled
        self.connected = asyncio.Event()
        """Set while the listening connection is open (tests wait on it)."""

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop`, opening the connection again whenever it is lost."""
        import asyncpg  # type: ignore[import-untyped]

        backoff = Backoff(0.5, 30.0)
        while not stop.is_set():
            lost = asyncio.Event()
            try:
                connection = await asyncio.wait_for(asyncpg.connect(self._dsn), timeout=10.0)
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                log.warning("cannot listen for other replicas' outbox news (%s); polling meanwhile",
                            type(exc).__name__)
                if await pause(stop, backoff.next()):
                    return
                continue
            try:
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._heard)
                backoff.reset()
                self.connected.set()
                self._added()  # rows added while nobody listened are claimed now
                await first_of(stop, lost)
            finally:
                self.connected.clear()
                if not connection.is_closed():
                    await connection.close(timeout=5.0)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            news = json.loads(payload[:_MAX_PAYLOAD])
        except ValueError:
            return
        if not isinstance(news, dict):
            return
        if news.get("added") is True:
            self._added()
            return
        platform, seconds = news.get("platform"), news.get("pause")
        if news.get("sender") != self._me and isinstance(platform, str) and isinstance(seconds, int | float):
            self._throttled(platform, min(max(0.0, float(seconds)), 3600.0))

