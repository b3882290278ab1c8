"""A chat with Herald in memory, so command tests read like a conversation:

    chat = ChatHarness(sessions)
    await chat.add_article("Hello", categories=["观察者网"])
    reply = await chat.send("/latest 3")
    assert "Hello" in reply.text

`chat.where(...)` is the same bot seen from another chat, user or language.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from manual_clock import ManualClock
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import CommandContext, Invocation, Reply, dispatch, dispatch_action
from bot.commands.types import Button
from bot.content.article import Article
from bot.store.articles import upsert_article
from bot.summary import SummaryConfig, article_blocks, normalize_category, summarize
from bot.summary.model import Block, Summary
from bot.targets import Target, parse_targets

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class _Library:
    """What the fake app knows besides the database: full texts, for `/read`."""

    bodies: dict[int, tuple[Summary, list[Block]]] = field(default_factory=dict)
    unreadable: set[int] = field(default_factory=set)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def read(self, article_id: int) -> tuple[Summary, list[Block]] | None:
        if article_id in self.unreadable:
            return None
        return self.bodies.get(article_id)


@dataclass(frozen=True)
class _Where:
    platform: str = "telegram"
    channel_id: str = "1001"
    channel_kind: str = "private"
    user_id: str = "1001"
    user_is_chat_admin: bool | None = None
    lang: str | None = "en"


class ChatHarness:
    """Send commands and press buttons as a chat user; add published articles to the index."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: ManualClock | None = None,
        admins: Iterable[str] = (),
        hidden: Iterable[str] = (),
        site_name: str | None = None,
        **where: object,
    ) -> None:
        self.sessions = sessions
        self.clock = clock or ManualClock(START)
        self.hidden = tuple(hidden)
        self.library = _Library()
        self.place = _Where(**where)  # type: ignore[arg-type]
        self.ctx = CommandContext(
            sessions=sessions,
            clock=self.clock,
            read_article=self.library.read,
            admins=frozenset(parse_targets(list(admins))),
            hidden_categories=frozenset(normalize_category(name) for name in self.hidden),
            site_name=site_name,
        )

    def where(self, **changes: object) -> ChatHarness:
        """Return the same bot seen from another chat, user or language."""
        other = object.__new__(ChatHarness)
        other.__dict__.update(self.__dict__)
        other.place = dataclasses.replace(self.place, **changes)  # type: ignore[arg-type]
        return other

    def invocation(self, text: str) -> Invocation:
        """Turn a typed message into the Invocation an adapter would build."""
        words = text.split()
        return Invocation(
            platform=self.place.platform,
            channel_id=self.place.channel_id,
            channel_kind=self.place.channel_kind,  # type: ignore[arg-type]
            user_id=self.place.user_id,
            user_is_chat_admin=self.place.user_is_chat_admin,
            lang=self.place.lang,
            command=words[0] if words else "",
            args=tuple(words[1:]),
            text=text,
        )

    async def send(self, text: str) -> Reply:
        """Send one message and return the bot's reply."""
        return await dispatch(self.ctx, self.invocation(text))

    async def press(self, button: Button | str) -> Reply:
        """Press a button of an earlier reply (or send its action string)."""
        action = button if isinstance(button, str) else button.action
        assert action is not None, "this button opens a URL"
        return await dispatch_action(self.ctx, self.invocation(""), action)

    @property
    def target(self) -> Target:
        """This chat as a delivery target."""
        return Target(self.place.platform, self.place.channel_id)

    async def add_article(
        self,
        title: str,
        *,
        categories: Iterable[str] = (),
        tags: Iterable[str] = (),
        date: datetime | None = None,
        body: str = "<p>First paragraph.</p><p>Second paragraph.</p>",
        url: str | None = None,
        author: str | None = None,
        state: str = "published",
        key: str | None = None,
    ) -> int:
        """Index an article (published unless told otherwise) and return its number."""
        n = next(self.library.counter)
        key = key or f"posts/{n:04d}.md"
        article = Article(
            key=key,
            path=key,
            title=title,
            date=date or START - timedelta(days=30) + timedelta(hours=n),
            body=body,
            author=author,
            categories=tuple(categories),
            tags=tuple(tags),
            url=url,
            digest=f"digest-{n}",
        )
        summary = summarize(article, SummaryConfig(hidden_categories=self.hidden))
        article_id = await upsert_article(self.sessions, article, summary, state=state, now=self.clock.now())
        self.library.bodies[article_id] = (
            dataclasses.replace(summary, article_id=article_id),
            article_blocks(article),
        )
        return article_id
