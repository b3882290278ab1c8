"""Helpers for the delivery tests: rows written straight with SQLAlchemy, a scripted outlet that
can fail in every way a platform can, and worker processes to kill."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import Clock
from bot.request import Request
from bot.store.models import ArticleCategory, ArticleRow, Delivery, Subscription, SubscriptionCategory
from bot.summary.model import Summary

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def add_article(sessions, *, title: str = "A post", categories: Iterable[str] = (), state: str = "published") -> int:
    """Insert a published article with these (already normalised) categories; return its id."""
    async with sessions.begin() as session:
        row = ArticleRow(
            key=f"posts/{title}.md",
            path=f"posts/{title}.md",
            title=title,
            date=T0,
            summary={"key": f"posts/{title}.md", "title": title, "excerpt": "Text.", "date": T0.isoformat()},
            state=state,
            indexed_at=T0,
        )
        session.add(row)
        await session.flush()
        for norm in categories:
            session.add(ArticleCategory(article_id=row.id, norm=norm, name=norm))
        return row.id


async def add_subscription(
    sessions,
    channel_id: str,
    *,
    platform: str = "fake",
    categories: Iterable[str] = (),
    active: bool = True,
    origin: str = "chat",
) -> int:
    """Insert a subscription with these (normalised) category filters; return its id."""
    async with sessions.begin() as session:
        sub = Subscription(
            platform=platform, channel_id=channel_id, origin=origin, active=active,
            created_at=T0, updated_at=T0,
        )  # fmt: skip
        session.add(sub)
        await session.flush()
        for norm in categories:
            session.add(SubscriptionCategory(subscription_id=sub.id, norm=norm, name=norm))
        return sub.id


async def deliveries(sessions) -> list[Delivery]:
    """Every outbox row, oldest first."""
    async with sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def subscription(sessions, channel_id: str, platform: str = "fake") -> Subscription | None:
    """The subscription of one channel, or None."""
    async with sessions() as session:
        return await session.scalar(
            select(Subscription).where(
                Subscription.platform == platform, Subscription.channel_id == channel_id
            )
        )


@dataclass
class Sent:
    """One request batch the fake platform accepted."""

    channel_id: str
    text: str
    plain: bool
    at: datetime


@dataclass
class FakeOutlet:
    """A platform whose answers are scripted per channel: each send to a channel pops the next
    scripted exception (None = accept); channels without a script accept everything."""

    clock: Clock
    name: str = "fake"
    script: dict[str, list[Exception | None]] = field(default_factory=dict)
    pause: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    tried: list[tuple[str, datetime]] = field(default_factory=list)
    edited: list[tuple[str, str, str, bool]] = field(default_factory=list)
    """(channel, message id, new text, media) per edit accepted."""
    deleted: list[tuple[str, str]] = field(default_factory=list)

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        text = summary.title if plain else f"<b>{summary.title}</b>"
        return [Request("sendMessage", {"text": text, "plain": plain})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        self.tried.append((channel_id, self.clock.now()))
        if self.pause:
            await asyncio.sleep(self.pause)
        self._scripted(channel_id)
        params = requests[0].params
        self.sent.append(Sent(channel_id, params["text"], params["plain"], self.clock.now()))
        return f"m{len(self.sent)}"

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        self.tried.append((channel_id, self.clock.now()))
        self._scripted(channel_id)
        self.edited.append((channel_id, message_id, requests[0].params["text"], media))

    async def delete(self, channel_id: str, message_id: str) -> None:
        self.tried.append((channel_id, self.clock.now()))
        self._scripted(channel_id)
        self.deleted.append((channel_id, message_id))

    def _scripted(self, channel_id: str) -> None:
        """Raise the next outcome scripted for this channel, if any (None: this call succeeds)."""
        outcomes = self.script.get(channel_id)
        if outcomes:
            outcome = outcomes.pop(0)
            if outcome is not None:
                raise outcome

    def channel_class(self, channel_id: str) -> str:
        return "group" if channel_id.startswith(("-", "@")) else "private"

    def to(self, channel_id: str) -> list[Sent]:
        """What this channel received."""
        return [s for s in self.sent if s.channel_id == channel_id]


WORKER = Path(__file__).with_name("delivery_worker.py")
"""A delivery worker in its own process (tests/delivery_worker.py), for the kill -9 tests."""


def start_worker(db_url: str, log: Path, worker: str, lease: float) -> subprocess.Popen[bytes]:
    """Start a worker process that sends the outbox of `db_url`, logging each send to `log`."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), db_url, str(log), worker, str(lease)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_after(process: subprocess.Popen[bytes], done: Callable[[], int], count: int, timeout: float = 60) -> None:
    """SIGKILL `process` once `done()` reaches `count` (or it ended, or `timeout` passed)."""
    deadline = time.monotonic() + timeout
    while done() < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    process.wait()
