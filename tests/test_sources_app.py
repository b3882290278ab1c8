"""A feed as a source of a running Herald, through the real Telegram client against the fake Bot
API: adding the feed sends nothing already in it; a new entry reaches every subscriber exactly
once, with its image; polling again sends nothing more; a feed that fails is recorded, not fatal;
`/read` of a feed's article shows its card and reads no file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web
from sqlalchemy import select
from test_telegram_app import ADMIN, bad_sends, running, until

from bot.store import sources as source_store
from bot.store.models import ArticleRow


class FeedSite:
    """An RSS 2.0 feed on 127.0.0.1 whose items the test changes; counts requests and 304s."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, datetime, str | None]] = []
        self.requests = 0
        self.not_modified = 0
        self.fail = False
        self.port = 0

    def body(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(title)}</title><link>http://{self.host}/posts/{guid}.html</link>"
            f"<guid isPermaLink=\"false\">{guid}</guid><pubDate>{format_datetime(date)}</pubDate>"
            f"<category>News</category>"
            + (f'<enclosure url="{image}" type="image/png" length="1"/>' if image else "")
            + f"<description>{escape('<p>The story of ' + title + '.</p>')}</description>"
            + f"<content:encoded>{escape(''.join(f'<p>Part {n} of the whole text.</p>' for n in range(1, 4)))}"
            + "</content:encoded></item>"
            for guid, title, date, image in self.items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Blog</title>'
            f"<link>http://{self.host}/</link><description>d</description>{items}</channel></rss>"
        ).encode()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.fail:
            return web.Response(status=500, text="down")
        body = self.body()
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})


@asynccontextmanager
async def feed_site() -> AsyncIterator[FeedSite]:
    site = FeedSite()
    app = web.Application()
    app.router.add_get("/feed.xml", site.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield site
    finally:
        await runner.cleanup()


async def _poll_now(herald) -> None:
    """What the next due moment would do: make the source due and look."""
    await source_store.poll_now(herald.sessions, "blog", herald.clock.now())
    assert herald.sources is not None
    await herald.sources.look()


async def test_a_feed_sends_nothing_old_and_each_new_entry_once(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with feed_site() as feed:
        feed.items = [(f"old-{i}", f"Old entry {i}", now - timedelta(days=i + 1), None) for i in range(5)]
        sources = (f"local={tmp_path / 'content'}", f"blog=http://{feed.host}/feed.xml")
        async with running(tmp_path, sources=sources, allow_private_fetch=True) as b:
            herald, tg = b.herald, b.tg
            status = await _until_primed(herald)
            assert status.entries == 5 and status.articles == 5
            readers = (11, 12, 13)
            for reader in readers:
                await b.say(reader, reader, "/subscribe")
            (listing,) = await b.say(ADMIN, ADMIN, "/latest 3")
            assert "Old entry 0" in listing.plain_text  # indexed, listed…
            assert not [m for m in tg.sent if m.method in ("sendPhoto", "sendMessage") and "Old entry" in m.text
                        and m.chat_id in readers]  # …and never pushed
            image = "https://img.example.com/fresh.png"
            feed.items.insert(0, ("fresh", "Fresh & more <b>", now, image))
            await _poll_now(herald)
            got = await until(lambda: all(_cards(tg, r) for r in readers) and tg)
            for reader in readers:
                (card,) = _cards(got, reader)
                assert card.photo_url == image and "Fresh &amp; more</a>" in card.text  # escaped; markup dropped
            requests = feed.requests
            await _poll_now(herald)
            await _poll_now(herald)
            await asyncio.sleep(0.5)
            assert feed.requests == requests + 2 and feed.not_modified >= 2  # asked again, 304: nothing parsed
            for reader in readers:
                assert len(_cards(tg, reader)) == 1
            async with herald.sessions() as session:
                article_id = await session.scalar(select(ArticleRow.id).where(ArticleRow.key == "blog/fresh"))
            assert article_id is not None
            reply = await b.say(11, 11, f"/read {article_id}")  # the whole text, kept from the feed
            read = "\n".join(m.plain_text for m in reply)
            assert "Fresh" in read and "Part 3 of the whole text." in read and "not available" not in read
            feed.fail = True
            await _poll_now(herald)
            status = await source_store.get_source(herald.sessions, "blog")
            assert status is not None and status.failures == 1 and "500" in (status.last_error or "")
            assert bad_sends(tg) == []


async def _until_primed(herald) -> source_store.SourceStatus:
    """Wait for the source's first poll (the scheduler looks at start)."""
    for _ in range(1000):
        status = await source_store.get_source(herald.sessions, "blog")
        if status is not None and status.primed_at is not None:
            return status
        await asyncio.sleep(0.02)
    raise AssertionError("the feed was never polled")


def _cards(tg, chat: int) -> list:
    return [m for m in tg.sent_to(chat) if m.method in ("sendPhoto", "sendMessage") and "Fresh" in (m.text or "")]
