"""Digests end to end: the real app (`build` + `serve`) with the real PTB Application against the
fake Bot API server, on a clock the test moves. A chat taking a daily 08:00 Europe/Berlin digest
gets one message listing the new articles as links, nothing on a day with nothing new, and an
overflow line past `MAX_LISTED`.

The waiting entries are written as fan-out writes them for a digest subscription."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from digest_support import add_article, add_entry, digests, utc
from manual_clock import ManualClock
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime
from bot.app import Herald, build
from bot.cardstyle import CardStyle
from bot.digests import MAX_LISTED, DigestSchedule
from bot.digests.store import make_due_digests
from bot.digests.times import next_digest_at
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, Delivery
from bot.store.subscription_options import set_digest, set_style
from bot.store.subscriptions import subscribe
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits
from tests.validators.telegram import assert_valid_telegram_request

CHAT = 2002
SCALE = 50.0
START = utc(2026, 3, 27, 5, 0)
SCHEDULE = DigestSchedule("daily", 8, 0, None, "Europe/Berlin")


class SteppedClock(ManualClock):
    """A clock the test moves by hand, whose sleeps really wait (briefly) without moving it."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(min(max(0.0, seconds), 0.02))


async def until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (value := check()):
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.02)
    return value


class Bench:
    def __init__(self, herald: Herald, tg: FakeTelegram, clock: SteppedClock) -> None:
        self.herald, self.tg, self.clock = herald, tg, clock

    def messages(self) -> list[Any]:
        return [m for m in self.tg.sent if m.chat_id == CHAT]

    async def arrive(self, title: str, **article: Any) -> None:
        """A new article the chat's digest subscription matches (what fan-out writes)."""
        now = self.clock.now()
        article_id = await add_article(self.herald.sessions, title, at=now, **article)
        sub = await self.subscription_id()
        await add_entry(self.herald.sessions, sub, article_id, at=now)

    async def subscription_id(self) -> int:
        from bot.store.subscriptions import get_subscription

        state = await get_subscription(self.herald.sessions, "telegram", str(CHAT))
        assert state is not None
        return state.id

    async def at(self, moment: datetime, period: str) -> None:
        """Move the clock to `moment` and wait until the period's digest is made."""
        self.clock.advance((moment - self.clock.now()).total_seconds())

        async def made() -> bool:
            return any(d.period == period for d in await digests(self.herald.sessions))

        loop = asyncio.get_running_loop()
        end = loop.time() + 15
        while not await made():
            assert loop.time() < end, f"no digest for {period}"
            await asyncio.sleep(0.02)

    async def quiet(self, settle: float = 0.5) -> None:
        """Wait until nothing new has been sent for `settle` seconds."""
        while True:
            count = len(self.tg.sent)
            await asyncio.sleep(settle)
            if len(self.tg.sent) == count:
                return


@asynccontextmanager
async def sessions_of(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The app's database, opened by another process."""
    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def running(tmp_path: Path, *, start: datetime = START, fresh: bool = True) -> AsyncIterator[Bench]:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(CHAT, type="private")
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        config = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
            telegram_token=tg.token, telegram_api_url=tg.base_url, http_port=0, scan_interval=3600,
        )  # fmt: skip
        spec = PlatformSpec(
            name="telegram",
            render_summary=telegram_platform.render_summary,
            render_article=telegram_platform.render_article,
            enabled=telegram_platform.enabled,
            create_runtime=lambda s, core: create_runtime(
                s, core, limits=TELEGRAM_RATES.scaled(SCALE), webhook_listen=("127.0.0.1", 0)
            ),
        )
        clock = SteppedClock(start)
        herald = await build(config, clock=clock, platforms={"telegram": spec})
        assert herald.digests is not None
        herald.digests.poll = 0.05
        sessions = herald.sessions
        if fresh:
            await subscribe(sessions, "telegram", str(CHAT), "private", categories=[], lang="en", now=start)
            await set_digest(sessions, "telegram", str(CHAT), SCHEDULE, next_digest_at(SCHEDULE, "UTC", start), start)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        try:
            await until(lambda: herald.runtimes[0].connected or task.done())
            if task.done():
                task.result()
            yield Bench(herald, tg, clock)
            assert tg.errors == []
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
            await herald.close()


async def test_a_chat_gets_one_digest_a_day_with_links_nothing_when_nothing_is_new_and_an_overflow_line(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as b:
        await b.arrive("First <news> & more", url="https://example.org/first?a=1&b=2", categories=["World"])
        b.clock.advance(minutes=30)
        await b.arrive("Second", url="https://example.org/second", categories=["Sport"])
        await b.quiet(0.3)
        assert b.messages() == []  # nothing before 08:00 Berlin
        # 27 March 08:00 Berlin is 07:00 UTC (before the change to summer time).
        await b.at(utc(2026, 3, 27, 7, 0), "2026-03-27")
        [digest] = await until(b.messages)
        await b.quiet()
        assert len(b.messages()) == 1
        assert digest.method == "sendMessage" and digest.parse_mode == "HTML"
        assert digest.plain_text.startswith("Digest · 2 new articles")
        assert '<a href="https://example.org/second">Second</a> · Sport · 2026-03-27' in digest.text
        assert '<a href="https://example.org/first?a=1&amp;b=2">First &lt;news&gt; &amp; more</a>' in digest.text
        assert digest.text.index("Second") < digest.text.index("First")  # newest first
        assert digest.params["link_preview_options"] == {"is_disabled": True}
        assert digest.params.get("disable_notification") in (None, False, "false", "False")

        # 28 March: nothing new, so nothing is sent (the period is still marked done).
        await b.at(utc(2026, 3, 28, 7, 0), "2026-03-28")
        await b.quiet()
        assert len(b.messages()) == 1

        # 29 March (summer time from 02:00): 08:00 Berlin is 06:00 UTC; more than a digest lists.
        await set_style(b.herald.sessions, "telegram", str(CHAT), CardStyle(silent=True), b.clock.now())
        for n in range(MAX_LISTED + 5):
            b.clock.advance(minutes=1)
            await b.arrive(f"Post {n:02d}", url=f"https://example.org/p{n}")
        await b.at(utc(2026, 3, 29, 6, 0), "2026-03-29")
        await until(lambda: len(b.messages()) >= 2)
        await b.quiet()
        [overflow] = b.messages()[1:]
        assert overflow.plain_text.startswith(f"Digest · {MAX_LISTED + 5} new articles")
        assert overflow.plain_text.rstrip().endswith("…and 5 more")
        assert f'<a href="https://example.org/p{MAX_LISTED + 4}">' in overflow.text
        assert '<a href="https://example.org/p4">' not in overflow.text  # the oldest five are counted
        assert overflow.params.get("disable_notification") in (True, "true", "True")
        made = await digests(b.herald.sessions)
        assert [(d.period, d.articles) for d in made] == [
            ("2026-03-27", 2), ("2026-03-28", 0), ("2026-03-29", MAX_LISTED + 5),
        ]
        assert [d.due_at for d in made] == [utc(2026, 3, 27, 7), utc(2026, 3, 28, 7), utc(2026, 3, 29, 6)]
        for request in b.tg.requests:
            if request.method == "sendMessage":
                assert request.status == 200, request

        class Call:  # the validators take a Request-like object
            def __init__(self, method: str, params: dict[str, Any]) -> None:
                self.method, self.params = method, params

        for message in b.messages():
            assert_valid_telegram_request(Call(message.method, message.params))


async def test_a_restart_during_the_send_sends_the_digest_once(tmp_path: Path) -> None:
    due = utc(2026, 3, 27, 7, 0)
    content = tmp_path / "content"
    content.mkdir()
    (content / "one.md").write_text("---\ntitle: Only one\ndate: 2026-03-27 05:00:00\n---\n\nBody.\n", "utf-8")
    # A first process subscribes the chat and indexes the article; fan-out puts it in the digest.
    async with running(tmp_path) as b:
        async with b.herald.sessions() as session:
            article = await session.scalar(select(ArticleRow.id).where(ArticleRow.title == "Only one"))
        assert article is not None
        await add_entry(b.herald.sessions, await b.subscription_id(), article, at=START)
    # The next one makes the digest and dies while sending it (its row left `sending`, leased).
    async with sessions_of(tmp_path) as sessions:
        assert await make_due_digests(sessions, now=due, default_zone="UTC") == 1
        async with sessions.begin() as session:
            await session.execute(
                update(Delivery).values(status="sending", worker="dead", lease_until=due + timedelta(minutes=1))
            )
    # The next process starts once the lease ran out, makes digests again and delivers.
    async with running(tmp_path, start=due + timedelta(minutes=3), fresh=False) as b:
        [digest] = await until(b.messages)
        await b.quiet()
        assert len(b.messages()) == 1 and "Only one" in digest.plain_text
        made = await digests(b.herald.sessions)
        assert [(d.period, d.articles) for d in made] == [("2026-03-27", 1)]
        async with b.herald.sessions() as session:
            rows = list(await session.scalars(select(Delivery)))
        assert [(r.round, r.status) for r in rows] == [(-made[0].id, "sent")]


async def test_the_console_prints_a_digest(tmp_path: Path) -> None:
    from adapters.console.runtime import CHANNEL
    from bot.store.subscriptions import get_subscription
    from tests.console_chat import ConsoleChat

    post = "---\ntitle: Console news\ndate: 2026-03-27 05:00:00\ncategories: [World]\n---\n\nBody.\n"
    async with ConsoleChat.open(tmp_path, posts={"news.md": post}) as chat:
        herald = chat.herald
        now = herald.clock.now()
        state = await get_subscription(herald.sessions, "console", CHANNEL)
        assert state is not None
        await set_digest(herald.sessions, "console", CHANNEL, SCHEDULE, now - timedelta(seconds=1), now)
        async with herald.sessions() as session:
            article = await session.scalar(select(ArticleRow.id).where(ArticleRow.title == "Console news"))
        assert article is not None
        await add_entry(herald.sessions, state.id, article, at=now)
        assert herald.digests is not None
        assert await herald.digests.look() == 1
        out = await chat.wait_for("Digest · 1 new article")
        assert "• Console news · World · 2026-03-27" in out


async def test_a_published_post_waits_for_the_digest_instead_of_arriving_at_once(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        for name, title in (("one", "Waited for"), ("two", "Also waited")):
            (tmp_path / "content" / f"{name}.md").write_text(
                f"---\ntitle: {title}\ndate: 2026-03-27 04:00:00\ncategories: [World]\n---\n\nBody.\n", "utf-8"
            )
        await b.herald.index.scan()  # as the watcher would: published, fanned out
        await b.quiet(0.5)
        assert b.messages() == []  # no card: the chat takes a digest
        await b.at(utc(2026, 3, 27, 7, 0), "2026-03-27")
        [digest] = await until(b.messages)
        await b.quiet()
        assert len(b.messages()) == 1
        assert digest.plain_text.startswith("Digest · 2 new articles")
        assert "Waited for · World · 2026-03-27" in digest.plain_text and "Also waited" in digest.plain_text
