"""The Telegram adapter end to end: the real app (`bot.app.build` + `serve`) with the real PTB
Application pointed at the fake Bot API server, a temporary content folder and SQLite file.

Limits are scaled up (the fake's and ours alike); where Telegram's real limits are the point,
they are scaled less, with the test's own pauses.
"""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime
from adapters.telegram.webhook import SECRET_HEADER, webhook_secret
from bot.app import Herald, build
from bot.delivery.allowance import CommandAllowance
from bot.delivery.ratelimit import Rate
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.articles import get_article_by_key
from bot.store.subscriptions import get_subscription, subscribe
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits

ADMIN = 1001
LENIENT = CommandAllowance(private=Rate(1000, 1.0, burst=1000), group=Rate(1000, 1.0, burst=1000))
SCALE = 50.0
REAL_LIMITS_PACE = 10.0
"""How much faster than real time the test of replies under Telegram's real limits runs: slow
enough that a few milliseconds of timer jitter stay small next to a 100 ms interval."""


def png(width: int = 64, height: int = 48) -> bytes:
    """Return a small valid PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def post(folder: Path, name: str, title: str, *, categories: tuple[str, ...] = ("World",),
         image: str | None = "https://img.example.com/a.png", day: int = 1, paragraphs: int = 8) -> Path:
    """Write a Markdown post into the content folder."""
    cats = "\n".join(f"  - {c}" for c in categories)
    thumb = f"thumbnail: '{image}'\n" if image else ""
    body = "\n\n".join(f"Paragraph {i} of {title}. " + "Words & more <words>. " * 40 for i in range(paragraphs))
    path = folder / f"{name}.md"
    path.write_text(
        f"---\ntitle: '{title}'\ndate: 2026-02-{day:02d} 10:00:00\ncategories:\n{cats}\n{thumb}---\n\n{body}\n",
        encoding="utf-8",
    )
    return path


async def until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Wait until `check()` is truthy and return it."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.02)


class Bench:
    """A running Herald with Telegram, plus the fake server, the content folder and `serve`'s task."""

    def __init__(self, herald: Herald, tg: FakeTelegram, content: Path, task: asyncio.Task[None]) -> None:
        self.herald, self.tg, self.content, self.task = herald, tg, content, task

    @property
    def runtime(self) -> Any:
        return self.herald.runtimes[0]

    async def say(self, chat_id: int, user_id: int, text: str, *, chat_type: str = "private", lang: str = "en",
                  replies: int = 1) -> list[Any]:
        """Send a command and wait for `replies` new messages (sends or edits) in the chat."""
        before = len([m for m in self.tg.sent if m.chat_id == chat_id])
        self.tg.command(chat_id, user_id, text, chat_type=chat_type, lang=lang)  # type: ignore[arg-type]
        await until(lambda: len([m for m in self.tg.sent if m.chat_id == chat_id]) >= before + replies)
        return [m for m in self.tg.sent if m.chat_id == chat_id][before:]

    async def publish(self, name: str, title: str, **kw: Any) -> None:
        """Drop a post into the content folder and index it (as the watcher would)."""
        post(self.content, name, title, **kw)
        await self.herald.index.scan()


@asynccontextmanager
async def running(tmp_path: Path, *, limits: FakeLimits | None = None, scale: float | None = SCALE,
                  channels: tuple[str, ...] = (), posts: int = 0, flood: CommandAllowance | None = None,
                  token: str | None = None, setup: Callable[[FakeTelegram], object] = lambda tg: None,
                  **settings: Any) -> AsyncIterator[Bench]:
    """Start the fake server (its chats made by `setup` before Herald starts) and Herald with
    Telegram; stop both afterwards."""
    async with FakeTelegram(limits=limits or FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        setup(tg)
        content = tmp_path / "content"
        content.mkdir()
        for i in range(posts):
            post(content, f"old{i}", f"Old post {i}", day=1 + i, categories=("World", "Sport")[i % 2 :][:1])
        config = Settings(
            _env_file=None,
            content_dir=content,
            database_url=f"sqlite:///{tmp_path / 'herald.db'}",
            telegram_token=token or tg.token,
            telegram_api_url=tg.base_url,
            http_port=0,
            admins=settings.pop("admins", (f"telegram:{ADMIN}",)),
            channels=channels,
            scan_interval=3600,
            **settings,
        )
        rates = TELEGRAM_RATES.scaled(scale) if scale else TELEGRAM_RATES
        listen = ("127.0.0.1", 0)
        spec = PlatformSpec(
            name="telegram",
            render_summary=telegram_platform.render_summary,
            render_article=telegram_platform.render_article,
            enabled=telegram_platform.enabled,
            create_runtime=lambda s, core: create_runtime(
                s, core, limits=rates, webhook_listen=listen, flood=flood or LENIENT),
        )
        herald = await build(config, platforms={"telegram": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        try:
            await until(lambda: herald.runtimes[0].connected or task.done())
            if task.done():
                task.result()
            yield Bench(herald, tg, content, task)
            assert tg.errors == []
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
            await herald.close()


EXPECTED_PHOTO_REFUSALS = ("failed to get http url content", "wrong file identifier")
"""What the fake answers for an image Telegram cannot fetch: the outlet then uploads it."""


def bad_sends(tg: FakeTelegram) -> list[Any]:
    """Return send calls Telegram refused for their form (400s other than a migrated group or an
    unreachable image), e.g. a caption whose HTML Telegram cannot parse."""
    return [
        r for r in tg.requests
        if r.method.startswith(("send", "edit")) and r.status == 400
        and "upgraded to a supergroup" not in r.description
        and not (r.method == "sendPhoto" and any(part in r.description.lower() for part in EXPECTED_PHOTO_REFUSALS))
    ]


# -- commands ------------------------------------------------------------------------------


async def test_every_command_in_a_private_chat(tmp_path: Path) -> None:
    async with running(tmp_path, posts=7) as b:
        tg = b.tg
        menus = tg.commands
        assert any("zh" in key for key in menus), menus
        # The admin's private chat gets every command, in English and in Chinese.
        admin_scope = json.dumps({"chat_id": ADMIN, "type": "chat"}, sort_keys=True)
        admin_en, admin_zh = menus[(admin_scope, "")], menus[(admin_scope, "zh")]
        assert "broadcast" in [c["command"] for c in admin_en] and "broadcast" in [c["command"] for c in admin_zh]
        assert admin_en != admin_zh  # translated descriptions, not the English menu twice
        assert "broadcast" not in [c["command"] for c in menus[(json.dumps({"type": "default"}), "zh")]]
        (hello,) = await b.say(ADMIN, ADMIN, "/start")
        assert hello.plain_text
        (help_,) = await b.say(ADMIN, ADMIN, "/help")
        assert "/latest" in help_.plain_text and "/broadcast" in help_.plain_text
        (listing,) = await b.say(ADMIN, ADMIN, "/latest 3")
        assert "Old post 6" in listing.plain_text and "/read_" in listing.plain_text
        assert "?start=read_" in listing.text
        older = listing.reply_markup["inline_keyboard"][0][-1]
        # Paging edits the list in place.
        tg.press(ADMIN, ADMIN, listing.message_id, older["callback_data"])
        edit = await until(lambda: [m for m in tg.sent if m.method == "editMessageText"])
        assert edit[0].message_id == listing.message_id and "Old post 3" in edit[0].plain_text
        (cat,) = await b.say(ADMIN, ADMIN, "/category sport")
        assert "Old post 1" in cat.plain_text and "Old post 2" not in cat.plain_text
        (cats,) = await b.say(ADMIN, ADMIN, "/categories")
        assert "World" in cats.plain_text and "inline_keyboard" in cats.reply_markup
        article = await b.say(ADMIN, ADMIN, "/read 1", replies=2)
        assert "Old post" in article[0].plain_text
        deep = await b.say(ADMIN, ADMIN, "/start read_1", replies=2)
        assert deep[0].plain_text == article[0].plain_text
        (_sub,) = await b.say(ADMIN, ADMIN, "/subscribe World")
        (subs,) = await b.say(ADMIN, ADMIN, "/subscriptions")
        assert "World" in subs.plain_text
        (_unsub,) = await b.say(ADMIN, ADMIN, "/unsubscribe")
        for text in ("/queue 2 +1d", "/queue", "/unqueue 1", "/approve 2", "/stats", "/broadcast 3", "/nonsense"):
            (answer,) = await b.say(ADMIN, ADMIN, text)
            assert answer.plain_text, text
        (zh,) = await b.say(ADMIN, ADMIN, "/latest", lang="zh-hans")
        assert "较" in json.dumps(zh.reply_markup, ensure_ascii=False) or "更早" in json.dumps(
            zh.reply_markup, ensure_ascii=False)
        assert bad_sends(tg) == []


async def test_every_command_in_a_group(tmp_path: Path) -> None:
    async with running(tmp_path, posts=3) as b:
        tg = b.tg
        group = -4001
        tg.add_chat(group, type="group", admins={7}, members={8})
        (refused,) = await b.say(group, 8, "/subscribe", chat_type="group")
        assert "admin" in refused.plain_text.lower()
        assert await get_subscription(b.herald.sessions, "telegram", str(group)) is None
        (_ok,) = await b.say(group, 7, "/subscribe", chat_type="group")
        assert (await get_subscription(b.herald.sessions, "telegram", str(group))).active
        for text in ("/start", "/help", "/latest", "/category World", "/categories", "/subscriptions",
                     "/latest@herald_test_bot 2"):
            answer = await b.say(group, 7, text, chat_type="group")
            assert answer[0].plain_text, text
        await b.say(group, 7, "/read 2", chat_type="group", replies=2)
        (_nope,) = await b.say(group, 8, "/queue", chat_type="group")  # admin-only: a refusal, not silence
        # Commands for another bot are left alone.
        count = len(tg.sent_to(group))
        tg.command(group, 7, "/latest@otherbot", chat_type="group")
        tg.command(group, 7, "/othercommand", chat_type="group")
        (_last,) = await b.say(group, 7, "/unsubscribe", chat_type="group")
        assert len(tg.sent_to(group)) == count + 1
        assert not (await get_subscription(b.herald.sessions, "telegram", str(group))).active
        assert bad_sends(tg) == []


async def test_a_reader_spamming_a_group_is_throttled_not_the_bot(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1, flood=CommandAllowance()) as b:
        tg = b.tg
        group = -4002
        tg.add_chat(group, type="group", members={8, 9})
        for _ in range(15):
            tg.command(group, 8, "/start", chat_type="group")
        await b.say(group, 9, "/help", chat_type="group")
        await asyncio.sleep(0.3)
        answered = len(tg.sent_to(group)) - 1  # all but the other reader's /help
        assert 1 <= answered <= 5  # the burst allowance, not fifteen replies
        (other,) = await b.say(ADMIN, ADMIN, "/start")  # everyone else is answered as usual
        assert other.plain_text


async def test_admin_subscribes_a_channel_from_a_private_chat(tmp_path: Path) -> None:
    async with running(tmp_path, posts=2) as b:
        tg = b.tg
        news = tg.add_chat("@newsroom", type="channel")
        tg.add_chat("@readonly", type="channel", bot_can_post=False)
        (_ok,) = await b.say(ADMIN, ADMIN, "/subscribe @newsroom Sport")
        state = await get_subscription(b.herald.sessions, "telegram", str(news.id))
        assert state is not None and state.active and state.kind == "channel" and state.categories == ("Sport",)
        (refused,) = await b.say(ADMIN, ADMIN, "/subscribe @readonly")
        assert "cannot post" in refused.plain_text
        tg.add_chat(55, type="private")
        (stranger,) = await b.say(55, 55, "/subscribe @newsroom")
        assert "admins" in stranger.plain_text
        (_by_id,) = await b.say(ADMIN, ADMIN, f"/unsubscribe {news.id}")
        assert not (await get_subscription(b.herald.sessions, "telegram", str(news.id))).active


async def test_admin_unsubscribes_a_channel_the_bot_can_no_longer_post_in(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1) as b:
        tg = b.tg
        news = tg.add_chat("@lostnews", type="channel")
        gone = tg.add_chat("@gonenews", type="channel")
        await b.say(ADMIN, ADMIN, "/subscribe @lostnews")
        await b.say(ADMIN, ADMIN, "/subscribe @gonenews World")
        news.bot_can_post = False  # demoted in one channel
        (subs,) = await b.say(ADMIN, ADMIN, "/subscriptions @lostnews")
        assert "cannot post" not in subs.plain_text
        (again,) = await b.say(ADMIN, ADMIN, "/subscribe @lostnews")
        assert "cannot post" in again.plain_text  # subscribing still needs the right to post
        (unsub,) = await b.say(ADMIN, ADMIN, "/unsubscribe @lostnews")
        assert "cannot post" not in unsub.plain_text
        assert not (await get_subscription(b.herald.sessions, "telegram", str(news.id))).active
        del tg.chats[gone.id]  # the other channel was deleted: Telegram no longer knows it at all
        (by_id,) = await b.say(ADMIN, ADMIN, f"/subscriptions {gone.id}")
        assert "World" in by_id.plain_text
        await b.say(ADMIN, ADMIN, f"/unsubscribe {gone.id}")
        assert not (await get_subscription(b.herald.sessions, "telegram", str(gone.id))).active
        (unknown,) = await b.say(ADMIN, ADMIN, "/unsubscribe @gonenews")
        assert "cannot find @gonenews" in unknown.plain_text
        assert bad_sends(tg) == []


async def test_admin_unsubscribes_a_channel_stored_under_its_name_that_telegram_forgot(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1) as b:
        await subscribe(b.herald.sessions, "telegram", "@oldname", "channel", [], "en", b.herald.clock.now())
        (unsub,) = await b.say(ADMIN, ADMIN, "/unsubscribe @oldname")
        assert "cannot find" not in unsub.plain_text
        assert not (await get_subscription(b.herald.sessions, "telegram", "@oldname")).active


async def test_a_configured_channel_cannot_be_subscribed_twice_under_another_name(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1, channels=("telegram:@news",)) as b:
        tg = b.tg
        news = tg.add_chat("@news", type="channel")
        (by_name,) = await b.say(ADMIN, ADMIN, "/subscribe @news")
        (by_id,) = await b.say(ADMIN, ADMIN, f"/subscribe {news.id}")
        assert "HERALD_CHANNELS" in by_name.plain_text and "HERALD_CHANNELS" in by_id.plain_text
        (in_chinese,) = await b.say(ADMIN, ADMIN, "/subscribe @news", lang="zh-CN")
        assert "@news 已在 HERALD_CHANNELS 中" in in_chinese.plain_text
        (in_the_channel,) = await b.say(news.id, ADMIN, "/subscribe Sport", chat_type="channel")
        assert "@news is in HERALD_CHANNELS" in in_the_channel.plain_text
        assert await get_subscription(b.herald.sessions, "telegram", str(news.id)) is None
        await b.publish("new", "Only once")
        await until(lambda: tg.sent_to(news.id))
        await asyncio.sleep(0.3)
        assert len([m for m in tg.sent_to(news.id) if "Only once" in (m.plain_text or "")]) == 1


async def test_replies_to_quick_commands_all_arrive_in_order_under_real_limits(tmp_path: Path) -> None:
    """Two long /read answers and a /latest sent 0.2 s apart, against Telegram's real limits,
    all run `REAL_LIMITS_PACE` times faster (the fake's limits, ours and the pauses alike)."""
    import re
    from collections import Counter

    pace = REAL_LIMITS_PACE
    async with running(tmp_path, limits=FakeLimits().scaled(pace), scale=pace, flood=LENIENT) as b:
        tg = b.tg
        post(b.content, "long", "Long read", paragraphs=40, image=None)
        await b.herald.index.scan()
        article = (await get_article_by_key(b.herald.sessions, "long.md")).id
        for text in (f"/read {article}", f"/read {article}", "/latest"):
            tg.command(ADMIN, ADMIN, text)
            await asyncio.sleep(0.2 / pace)
        await until(lambda: any("Latest" in (m.plain_text or "") for m in tg.sent_to(ADMIN)), 60)
        got = [m.plain_text or "" for m in tg.sent_to(ADMIN)]
        await until(lambda: sum("Paragraph 39 of Long read" in (m.plain_text or "") for m in tg.sent_to(ADMIN)) == 2, 60)
        got = [m.plain_text or "" for m in tg.sent_to(ADMIN)]
    assert tg.too_many <= 1  # timer jitter against the fake's own bucket; a 429 is waited out
    # Answers take turns message by message: /latest waits for one message of each answer in
    # progress, not for both whole articles.
    latest = next(i for i, text in enumerate(got) if "Latest" in text)
    assert got[0].startswith("Long read") and latest < len(got) - 4, (latest, len(got))
    articles = [text for text in got if "Latest" not in text]
    firsts = [int(m.group(1)) for text in articles if (m := re.search(r"Paragraph (\d+) of", text))]
    assert set(Counter(firsts).values()) == {2}  # both articles whole, nothing twice
    assert sum(text.startswith("Long read") for text in articles) == 2


# -- delivery ------------------------------------------------------------------------------


async def test_a_new_post_reaches_every_subscriber_and_configured_channels(tmp_path: Path) -> None:
    channels = ("telegram:@news", "telegram:-1009990001")
    async with running(tmp_path, posts=1, channels=channels) as b:
        tg = b.tg
        tg.add_chat("@news", type="channel")
        tg.add_chat(-1009990001, type="channel")
        group = -4003
        tg.add_chat(group, type="group", admins={7})
        for chat, user, kind in ((11, 11, "private"), (12, 12, "private"), (group, 7, "group"), (13, 13, "private")):
            await b.say(chat, user, "/subscribe", chat_type=kind)
        tg.block(13)
        await b.publish("new", "Fresh news", image="https://img.example.com/fresh.png")
        targets = (11, 12, group, tg._chat("@news").id, -1009990001)
        got = await until(lambda: all(
            any(m.photo_url == "https://img.example.com/fresh.png" for m in tg.sent_to(t)) for t in targets) and tg)
        for t in targets:
            assert len([m for m in got.sent_to(t) if m.method == "sendPhoto"]) == 1
        # One fetch by URL, then the cached file id for everyone else.
        by_url = [r for r in tg.requests if r.method == "sendPhoto" and str(r.params.get("photo", "")).startswith("http")]
        assert len(by_url) == 1
        for _ in range(200):
            state = await get_subscription(b.herald.sessions, "telegram", "13")
            if not state.active:
                break
            await asyncio.sleep(0.05)
        assert not state.active  # the reader who blocked the bot is no longer sent to
        assert bad_sends(tg) == []


async def test_a_429_storm_ends_with_every_message_delivered_once(tmp_path: Path) -> None:
    # The fake allows 8 messages a second overall; we send at Telegram's 30: a storm of 429s.
    storm = FakeLimits(global_per_second=8.0)
    async with running(tmp_path, limits=storm, scale=None) as b:
        tg = b.tg
        readers = list(range(100, 124))
        for reader in readers:
            tg.add_chat(reader, type="private")
            await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
        tg.force_429(3, retry_after=1)
        await b.publish("storm", "Storm", image=None)
        await until(lambda: all(tg.sent_to(r) for r in readers), timeout=30)
        await asyncio.sleep(0.5)
        assert tg.too_many > 3
        assert all(len(tg.sent_to(r)) == 1 for r in readers)


async def test_an_unreachable_image_is_uploaded_else_sent_as_text(tmp_path: Path) -> None:
    image = png()
    server = web.Application()
    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=image, content_type="image/png")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404)

    server.router.add_get("/ok.png", ok)
    server.router.add_get("/gone.png", gone)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with running(tmp_path, allow_private_fetch=True) as b:  # the image server is on 127.0.0.1
            tg = b.tg
            tg.unreachable_image("http://127.0.0.1:*")
            for reader in (21, 22):
                await b.say(reader, reader, "/subscribe")
            await b.publish("hotlinked", "Hotlinked", image=f"http://127.0.0.1:{port}/ok.png")
            await until(lambda: all(tg.sent_to(r) and tg.sent_to(r)[-1].photo for r in (21, 22)))
            photos = [tg.sent_to(r)[-1] for r in (21, 22)]
            assert [p.uploaded for p in photos].count(True) == 1  # uploaded once, then its file id
            (upload,) = [r for r in tg.requests if r.method == "sendPhoto" and r.files]
            assert list(upload.file_names.values()) == ["image.png"]  # named after its bytes
            assert list(upload.file_types.values()) == ["image/png"]
            assert photos[0].photo == photos[1].photo
            await b.publish("broken", "Broken image", image=f"http://127.0.0.1:{port}/gone.png", day=9)
            await until(lambda: all("Broken image" in (tg.sent_to(r)[-1].plain_text or "") for r in (21, 22)))
            assert all(tg.sent_to(r)[-1].method == "sendMessage" for r in (21, 22))
    finally:
        await runner.cleanup()


async def test_a_migrated_group_gets_the_message_at_its_new_id(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        tg = b.tg
        tg.add_chat(-4004, type="group", admins={7})
        await b.say(-4004, 7, "/subscribe", chat_type="group")
        tg.migrate(-4004, -1004004)
        await b.publish("moved", "After the move")
        await until(lambda: tg.sent_to(-1004004))
        assert "After the move" in tg.sent_to(-1004004)[0].plain_text
        moved = await get_subscription(b.herald.sessions, "telegram", "-1004004")
        assert moved is not None and moved.active


async def test_webhook_mode_checks_the_secret_token(tmp_path: Path) -> None:
    async with running(tmp_path, telegram_webhook_url="https://bot.example.com/tg-hook") as b:
        tg = b.tg
        assert tg.webhook is not None and tg.webhook["url"] == "https://bot.example.com/tg-hook"
        port = b.runtime.webhook.port
        update = {"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": ADMIN, "type": "private", "first_name": "A"},
            "from": {"id": ADMIN, "is_bot": False, "first_name": "A"}, "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/tg-hook"
            forged = await client.post(url, json=update, headers={SECRET_HEADER: "guess"})
            assert forged.status_code == 403
            real = await client.post(url, json=update, headers={SECRET_HEADER: webhook_secret(tg.token)})
            assert real.status_code == 200
        await until(lambda: tg.sent_to(ADMIN))
        assert len(tg.sent_to(ADMIN)) == 1


# -- a refused token -----------------------------------------------------------------------


async def test_a_refused_token_stops_telegram_instead_of_retrying(tmp_path: Path, caplog: Any) -> None:
    async with running(tmp_path, token="987654:WRONG-token") as b:
        await asyncio.wait_for(b.task, 10)  # serve returned by itself: Telegram was its only platform
        assert b.runtime.failure is not None and not b.runtime.connected
        assert [r.status for r in b.tg.requests] == [401]  # one getMe, no retries
    refused = [r for r in caplog.records if "refused the bot token" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelname == "ERROR"
    assert "WRONG-token" not in caplog.text


async def test_a_token_revoked_while_polling_stops_telegram(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        tg = b.tg
        await b.say(ADMIN, ADMIN, "/start")
        tg.token = "123456:REVOKED-token"  # every call with the old token now answers 401
        tg.command(ADMIN, ADMIN, "/start")  # wake the pending long poll
        await asyncio.wait_for(b.task, 15)
        assert b.runtime.failure is not None and not b.runtime.connected
        assert any(r.method == "getUpdates" and r.status == 401 for r in tg.requests)


async def test_bad_sends_reports_a_refused_caption_but_not_an_unreachable_image(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits.off()) as tg:
        tg.add_chat(ADMIN, type="private")
        tg.unreachable_image("https://hotlinked.example.com/")
        url = f"{tg.base_url}{tg.token}/sendPhoto"
        async with httpx.AsyncClient() as client:
            unreachable = {"chat_id": ADMIN, "photo": "https://hotlinked.example.com/a.png"}
            stale = {"chat_id": ADMIN, "photo": "not-a-file-id"}
            broken = {"chat_id": ADMIN, "photo": "https://img.example.com/b.png", "caption": "<b>unclosed",
                      "parse_mode": "HTML"}
            for params in (unreachable, stale, broken):
                assert (await client.post(url, json=params)).status_code == 400
        (refused,) = bad_sends(tg)
        assert refused.params["caption"] == "<b>unclosed"
