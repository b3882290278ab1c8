"""The Discord adapter end to end: the real app (`bot.app.build` + `serve`) with discord.py's
real HTTP client and gateway pointed at the fake Discord server, a temporary content folder and
a temporary SQLite database."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web
from sqlalchemy import select

from adapters.discord import render_article, render_summary
from adapters.discord.runtime import DiscordRuntime, create_runtime
from bot.app import Herald, build
from bot.clock import SystemClock
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.models import ArticleRow, Subscription
from tests.fakes.discord_api import FakeDiscord

GUILD, NEWS, QUIET, OTHER = 9001, 9101, 9102, 9103
READER, MOD, ADMIN = 4242, 4343, 4444
EVERYTHING = "2147483647"
NO_MANAGE = str(int(EVERYTHING) & ~(1 << 4))  # every permission but Manage Channels


def png() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def post(folder: Path, name: str, *, title: str, categories: tuple[str, ...] = ("News",),
         thumbnail: str | None = None, date: str = "2026-02-01 10:00:00", body: str = "Some text for the excerpt.") -> Path:
    path = folder / name
    cats = "".join(f"\n  - {c}" for c in categories)
    thumb = f"thumbnail: '{thumbnail}'\n" if thumbnail else ""
    path.write_text(f"---\ntitle: {title}\ndate: {date}\ncategories:{cats}\n{thumb}---\n\n{body}\n", encoding="utf-8")
    return path


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait until check() is truthy (the bot answers from its own tasks)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


@dataclass
class Bot:
    """A running Herald with the Discord platform, and the handles a test needs."""

    herald: Herald
    runtime: DiscordRuntime
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)
        await self.herald.close()


@dataclass
class World:
    """The fake Discord server, the folders, and a way to (re)start the bot."""

    fake: FakeDiscord
    content: Path
    db: str
    bots: list[Bot]

    def settings(self, **changes: Any) -> Settings:
        values: dict[str, Any] = dict(
            content_dir=self.content, database_url=self.db, discord_token=self.fake.token,
            discord_api_url=self.fake.api_base, discord_guild_ids=(str(GUILD),), admins=(f"discord:{ADMIN}",),
            http_port=0, scan_interval=3600,
        )
        values.update(changes)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self, **options: Any) -> Bot:
        settings = options.pop("settings", None) or self.settings()
        holder: list[DiscordRuntime] = []

        def make(settings: Settings, core: Any) -> DiscordRuntime:
            runtime = create_runtime(settings, core, guild_ready_timeout=0.05, **options)
            holder.append(runtime)
            return runtime

        spec = PlatformSpec("discord", render_summary, render_article, enabled=lambda s: True,
                            create_runtime=make)
        herald = await build(settings, clock=SystemClock(), platforms={"discord": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        bot = Bot(herald, holder[0], stop, task)
        self.bots.append(bot)
        await eventually(lambda: bot.runtime.connected, 10)
        return bot

    async def interact(self, payload: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
        """Dispatch an interaction; return the responses the bot made to it."""
        await self.fake.dispatch_interaction(payload)
        wanted = int(payload["id"])

        def mine() -> list[dict[str, Any]]:
            return [r for r in self.fake.interaction_responses if r["interaction_id"] == wanted]

        await eventually(lambda: len(mine()) >= count)
        await asyncio.sleep(0.05)  # anything more would be a bug; let it arrive
        return mine()

    async def command(self, name: str, options: dict[str, Any] | None = None, *, user: int = READER,
                      channel: int = NEWS, permissions: str = EVERYTHING, locale: str = "en-US",
                      count: int = 1) -> list[dict[str, Any]]:
        payload = self.fake.slash(name, options, guild_id=GUILD, channel_id=channel, user_id=user,
                                  permissions=permissions, locale=locale)
        return await self.interact(payload, count)


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    # Process-wide class attributes the runtime sets: restored after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    fake.add_guild(GUILD, name="Herald Test", channels={NEWS: "news", QUIET: "quiet", OTHER: "other"},
                   members=[READER, MOD, ADMIN])
    content = tmp_path / "content"
    content.mkdir()
    post(content, "first.md", title="First post", categories=("News",), date="2026-01-01 10:00:00")
    post(content, "second.md", title="Second post", categories=("Science",), date="2026-01-02 10:00:00")
    post(content, "third.md", title="Third post", categories=("News",), date="2026-01-03 10:00:00")
    async with fake:
        w = World(fake, content, f"sqlite:///{tmp_path / 'herald.db'}", [])
        try:
            yield w
        finally:
            for bot in w.bots:
                if not bot.task.done():
                    await bot.close()
    assert fake.errors == []


def content_of(response: dict[str, Any]) -> str:
    data = response["data"] or {}
    text = data.get("content") or ""
    for embed in data.get("embeds") or []:
        text += "\n" + (embed.get("title") or "") + "\n" + (embed.get("description") or "")
    return text


def ephemeral(response: dict[str, Any]) -> bool:
    return bool(int((response["data"] or {}).get("flags") or 0) & 64)


# ---- command sync ------------------------------------------------------------------------


async def test_commands_are_synced_to_the_guild_once_and_not_again_after_a_restart(world: World) -> None:
    bot = await world.start()
    await eventually(lambda: str(GUILD) in world.fake.commands)
    commands = {c["name"]: c for c in world.fake.commands[str(GUILD)]}
    assert set(commands) == {"start", "help", "latest", "category", "categories", "read", "subscribe",
                             "unsubscribe", "subscriptions", "filter", "digest", "settings", "queue", "unqueue",
                             "broadcast", "approve", "stats", "panel", "sources"}
    category = commands["category"]
    assert category["description"] == "Show the newest articles in one category."
    assert category["description_localizations"] == {"zh-CN": "查看某个分类的最新文章", "zh-TW": "檢視某個分類的最新文章"}
    name, count, public = category["options"]
    assert (name["name"], name["type"], name["required"], name["autocomplete"]) == ("name", 3, True, True)
    assert (count["name"], count["type"], count["required"]) == ("count", 4, False)
    assert (public["name"], public["type"]) == ("public", 5)
    assert commands["read"]["options"][0]["type"] == 4 and commands["read"]["options"][0]["autocomplete"]
    assert commands["subscribe"]["default_member_permissions"] == "16"
    assert world.fake.sync_calls == 1 and None not in world.fake.commands  # nothing global
    await bot.close()

    await world.start()
    assert world.fake.sync_calls == 1  # unchanged definitions: no second sync


async def test_a_guild_the_bot_is_not_in_does_not_stop_the_others(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    absent = 9999  # not a guild of the bot: Discord answers 403 Missing Access
    settings = world.settings(discord_guild_ids=(str(absent), str(GUILD)))
    bot = await world.start(settings=settings)
    await eventually(lambda: str(GUILD) in world.fake.commands)
    assert len(world.fake.commands[str(GUILD)]) == 19 and str(absent) not in world.fake.commands

    def refused() -> list[int]:
        return [r.status for r in world.fake.requests if r.path.endswith(f"/guilds/{absent}/commands")]

    assert refused() == [403]
    assert f"could not sync slash commands to guild {absent}: 403 50001" in caplog.text
    await bot.close()
    await world.start(settings=settings)
    await eventually(lambda: len(refused()) == 2)  # tried again at the next start
    assert world.fake.sync_calls == 1  # the guild that worked is not synced again
    assert world.fake.token not in caplog.text


async def test_commands_sync_globally_without_guilds_and_guilds_take_over_later(world: World) -> None:
    bot = await world.start(settings=world.settings(discord_guild_ids=()))
    await eventually(lambda: None in world.fake.commands)
    assert len(world.fake.commands[None]) == 19 and str(GUILD) not in world.fake.commands
    await bot.close()
    await world.start()
    await eventually(lambda: str(GUILD) in world.fake.commands)
    assert world.fake.commands[None] == []  # cleared, or every command would show twice


# ---- commands ------------------------------------------------------------------------------


async def test_latest_answers_privately_with_a_list_embed_and_a_page_button(world: World) -> None:
    await world.start()
    [response] = await world.command("latest", {"count": 2})
    assert response["kind"] == "callback" and response["type"] == 4 and ephemeral(response)
    [embed] = response["data"]["embeds"]
    assert "3" in embed["title"]  # "… 1–2 of 3"
    assert "Third post" in embed["description"] and "Second post" in embed["description"]
    assert "First post" not in embed["description"]
    [row] = response["data"]["components"]
    [button] = row["components"]
    assert button["custom_id"].startswith("latest:2:2")


async def test_public_true_shows_the_list_to_everyone(world: World) -> None:
    await world.start()
    [response] = await world.command("latest", {"public": True})
    assert not ephemeral(response)


async def test_paging_button_edits_the_list_and_works_after_a_restart(world: World) -> None:
    bot = await world.start()
    [first] = await world.command("latest", {"count": 2})
    custom_id = first["data"]["components"][0]["components"][0]["custom_id"]
    await bot.close()
    await world.start()  # no view survives a restart: the custom_id alone carries the page
    press = world.fake.component(custom_id, guild_id=GUILD, channel_id=NEWS, user_id=READER)
    [response] = await world.interact(press)
    assert response["type"] == 7  # UPDATE_MESSAGE: the list is edited in place
    assert "First post" in content_of(response) and "Third post" not in content_of(response)
    labels = [b["label"] for b in response["data"]["components"][0]["components"]]
    assert len(labels) == 1  # only "newer" is left on the last page


async def test_expired_button_says_so_privately(world: World) -> None:
    await world.start()
    press = world.fake.component("nonsense:1", guild_id=GUILD, channel_id=NEWS, user_id=READER)
    [response] = await world.interact(press)
    assert response["type"] == 4 and ephemeral(response)


async def test_category_lists_its_articles_in_chinese_for_a_chinese_reader(world: World) -> None:
    await world.start()
    [response] = await world.command("category", {"name": "news"}, locale="zh-CN")
    text = content_of(response)
    assert "Third post" in text and "First post" in text and "Second post" not in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def test_categories_lists_names_with_buttons(world: World) -> None:
    await world.start()
    [response] = await world.command("categories")
    assert "News" in content_of(response) and "Science" in content_of(response)
    assert response["data"].get("components")


async def test_read_sends_the_article_as_embeds(world: World) -> None:
    await world.start()
    bot = world.bots[-1]
    async with bot.herald.sessions() as session:
        article_id = await session.scalar(select(ArticleRow.id).where(ArticleRow.title == "Third post"))
    [response] = await world.command("read", {"id": article_id})
    [card, *_] = response["data"]["embeds"]
    assert card["title"] == "Third post" and "Some text for the excerpt." in content_of(response)


async def test_read_of_an_unknown_article_is_a_private_error(world: World) -> None:
    await world.start()
    [response] = await world.command("read", {"id": 999})
    assert ephemeral(response) and response["data"]["content"]


async def test_slow_work_is_deferred_then_answered_by_followup(world: World) -> None:
    await world.start(defer_after=0)
    responses = await world.command("latest", count=2)
    assert [(r["kind"], r["type"]) for r in responses] == [("callback", 5), ("followup", None)]
    assert responses[0]["data"]["flags"] & 64  # deferred privately: a list
    assert "Third post" in content_of(responses[1])


async def test_a_private_answer_after_a_public_deferral_replaces_the_placeholder(world: World) -> None:
    await world.start(defer_after=0)
    responses = await world.command("unsubscribe", user=MOD, count=3)  # not subscribed: a private note
    assert [r["kind"] for r in responses] == ["callback", "delete", "followup"]
    assert ephemeral(responses[2])


async def test_subscribe_needs_manage_channels_or_a_configured_admin(world: World) -> None:
    await world.start()
    [refused] = await world.command("subscribe", permissions=NO_MANAGE, user=READER)
    assert ephemeral(refused)
    assert await subscriptions(world) == []
    [done] = await world.command("subscribe", permissions=NO_MANAGE, user=ADMIN)
    assert not ephemeral(done)
    [mod] = await world.command("subscribe", {"categories": "Science"}, channel=QUIET, user=MOD)
    assert not ephemeral(mod) and "Science" in content_of(mod)
    assert sorted(await subscriptions(world)) == [(str(NEWS), True), (str(QUIET), True)]


async def test_subscribe_asks_for_attach_files_when_images_are_attached(world: World) -> None:
    await world.start(attach_hosts=("*",))
    world.fake.set_permissions(QUIET, attach=False)
    [response] = await world.command("subscribe", channel=QUIET, user=MOD, locale="zh-CN")
    assert ephemeral(response) and "附加文件" in response["data"]["content"]


async def test_subscribe_says_which_bot_permissions_are_missing(world: World) -> None:
    await world.start()
    world.fake.set_permissions(QUIET, embed=False, send=False)
    [response] = await world.command("subscribe", channel=QUIET, user=MOD)
    assert ephemeral(response)
    assert "Send Messages" in response["data"]["content"] and "Embed Links" in response["data"]["content"]
    assert "View Channel" not in response["data"]["content"]
    assert await subscriptions(world) == []


async def test_missing_permissions_are_named_in_traditional_chinese_for_zh_tw(world: World) -> None:
    await world.start()
    world.fake.set_permissions(QUIET, embed=False, send=False)
    [response] = await world.command("subscribe", channel=QUIET, user=MOD, locale="zh-TW")
    assert ephemeral(response)
    assert "缺少傳送訊息、嵌入連結權限" in response["data"]["content"]


async def test_subscriptions_and_unsubscribe(world: World) -> None:
    await world.start()
    await world.command("subscribe", {"categories": "News"}, user=MOD)
    [listed] = await world.command("subscriptions")
    assert "News" in content_of(listed)
    [gone] = await world.command("unsubscribe", {"categories": "all"}, user=MOD)
    assert not ephemeral(gone)
    assert await subscriptions(world) in ([], [(str(NEWS), False)])


async def test_admin_commands_are_refused_to_readers_and_answer_admins(world: World) -> None:
    await world.start()
    [refused] = await world.command("stats")
    assert ephemeral(refused) and "admin" in refused["data"]["content"].lower()
    [stats] = await world.command("stats", user=ADMIN)
    assert ephemeral(stats) and stats["data"]["content"]


@pytest.mark.parametrize("command", ["start", "help"])
async def test_start_and_help_answer(world: World, command: str) -> None:
    await world.start()
    [response] = await world.command(command)
    assert "/latest" in content_of(response)


# ---- autocomplete --------------------------------------------------------------------------


async def test_category_autocomplete_matches_as_the_user_types(world: World) -> None:
    await world.start()
    payload = world.fake.autocomplete("category", "name", "sci", guild_id=GUILD, channel_id=NEWS, user_id=READER)
    [response] = await world.interact(payload)
    assert response["type"] == 8
    assert response["data"]["choices"] == [{"name": "Science", "value": "Science"}]


async def test_article_autocomplete_offers_integer_ids(world: World) -> None:
    await world.start()
    payload = world.fake.autocomplete("read", "id", "third", guild_id=GUILD, channel_id=NEWS, user_id=READER)
    [response] = await world.interact(payload)
    [choice] = response["data"]["choices"]
    assert isinstance(choice["value"], int) and choice["name"] == f"#{choice['value']} Third post"


async def test_autocomplete_never_offers_more_than_25(world: World) -> None:
    for i in range(30):
        post(world.content, f"extra{i}.md", title=f"Extra {i}", categories=(f"Topic {i}",))
    await world.start()
    payload = world.fake.autocomplete("subscribe", "categories", "", guild_id=GUILD, channel_id=NEWS, user_id=READER)
    [response] = await world.interact(payload)
    assert len(response["data"]["choices"]) == 25


# ---- delivery ------------------------------------------------------------------------------


async def subscriptions(world: World) -> list[tuple[str, bool]]:
    bot = world.bots[-1]
    async with bot.herald.sessions() as session:
        rows = (await session.scalars(select(Subscription).where(Subscription.platform == "discord"))).all()
    return [(row.channel_id, row.active) for row in rows]


def posted(world: World, channel: int) -> list[dict[str, Any]]:
    return [m for m in world.fake.messages if m["channel_id"] == channel]


async def test_a_new_post_reaches_every_subscribed_channel_once(world: World) -> None:
    bot = await world.start()
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", {"categories": "Science"}, channel=QUIET, user=MOD)
    post(world.content, "fresh.md", title="Fresh news", categories=("News",))
    post(world.content, "lab.md", title="Lab report", categories=("Science",))
    await bot.herald.index.scan()
    await eventually(lambda: len(posted(world, NEWS)) == 2 and len(posted(world, QUIET)) == 1)
    await bot.herald.index.scan()  # a rescan publishes nothing again
    await asyncio.sleep(0.3)
    titles = sorted(m["payload"]["embeds"][0]["title"] for m in posted(world, NEWS))
    assert titles == ["Fresh news", "Lab report"]
    assert [m["payload"]["embeds"][0]["title"] for m in posted(world, QUIET)] == ["Lab report"]
    assert posted(world, OTHER) == []
    for message in world.fake.messages:
        assert message["nonce"] and len(message["nonce"]) <= 25
        assert message["payload"]["allowed_mentions"] == {"parse": []}


async def test_a_channel_that_lost_permissions_is_deactivated(world: World) -> None:
    bot = await world.start()
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=QUIET, user=MOD)
    world.fake.set_permissions(QUIET, send=False)  # 403 / 50013 Missing Permissions
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: len(posted(world, NEWS)) == 1)
    async with asyncio.timeout(20):
        while (str(QUIET), False) not in await subscriptions(world):
            await asyncio.sleep(0.05)
    assert sorted(await subscriptions(world)) == [(str(NEWS), True), (str(QUIET), False)]
    refusals = [r for r in world.fake.requests if r.path == f"/channels/{QUIET}/messages"]
    assert [r.status for r in refusals] == [403]  # stopped after the first refusal
    post(world.content, "later.md", title="Later news")
    await bot.herald.index.scan()
    await eventually(lambda: len(posted(world, NEWS)) == 2)
    assert len([r for r in world.fake.requests if r.path == f"/channels/{QUIET}/messages"]) == 1


async def test_a_deleted_channel_is_deactivated(world: World) -> None:
    bot = await world.start(settings=world.settings(channels=(f"discord:{OTHER}",)))
    world.fake.delete_channel(OTHER)  # 404 / 10003 Unknown Channel
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    async with asyncio.timeout(20):
        while (str(OTHER), False) not in await subscriptions(world):
            await asyncio.sleep(0.05)


@pytest.fixture
async def image_host() -> AsyncIterator[str]:
    """An image server on 127.0.0.1 (a host that blocks hotlinking, as far as Discord knows)."""
    app = web.Application()
    async def cover(request: web.Request) -> web.Response:
        return web.Response(body=png(), content_type="image/png")

    app.router.add_get("/cover.png", cover)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/cover.png"
    await runner.cleanup()


async def test_images_from_hosts_that_block_hotlinking_are_attached(world: World, image_host: str) -> None:
    world.fake.block_image_host("127.0.0.1")
    bot = await world.start(attach_hosts=("127.0.0.1",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=QUIET, user=MOD)
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 2)
    for message in world.fake.messages:
        [(filename, data)] = message["attachments"].items()
        assert data == png() and filename.endswith(".png")
        assert message["payload"]["embeds"][0]["image"]["url"] == f"attachment://{filename}"
        assert message["broken_images"] == []
        shown = message["response"]["embeds"][0]["image"]["url"]
        assert shown.startswith(world.fake.base_url + "/attachments/")


async def test_without_attach_files_the_image_is_hotlinked_instead(world: World, image_host: str) -> None:
    bot = await world.start(attach_hosts=("*",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)
    world.fake.set_permissions(NEWS, attach=False)  # taken away after subscribing
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 1)
    [message] = world.fake.messages
    assert message["attachments"] == {} and message["payload"]["embeds"][0]["image"]["url"] == image_host
    assert await subscriptions(world) == [(str(NEWS), True)]


async def test_other_hosts_stay_hotlinked(world: World, image_host: str) -> None:
    bot = await world.start(attach_hosts=("images.example.org",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 1)
    assert world.fake.messages[0]["attachments"] == {}


async def test_a_long_article_is_read_as_several_private_messages(world: World) -> None:
    paragraphs = "\n\n".join(f"Paragraph {i}. " + "Words of the article go on. " * 12 for i in range(40))
    post(world.content, "long.md", title="Long read", body=paragraphs, date="2026-01-04 10:00:00")
    bot = await world.start()
    async with bot.herald.sessions() as session:
        article_id = await session.scalar(select(ArticleRow.id).where(ArticleRow.title == "Long read"))
    responses = await world.command("read", {"id": article_id}, count=2)
    assert responses[0]["kind"] == "callback" and all(r["kind"] == "followup" for r in responses[1:])
    assert all(ephemeral(r) for r in responses)
    text = "".join(content_of(r) for r in responses)
    assert "Paragraph 0." in text and "Paragraph 39." in text


async def test_a_direct_message_can_subscribe_without_permission_checks(world: World) -> None:
    await world.start()
    payload = world.fake.slash("subscribe", guild_id=None, channel_id=777, user_id=READER)
    [response] = await world.interact(payload)
    assert not ephemeral(response)
    assert await subscriptions(world) == [("777", True)]


async def test_a_global_429_stops_every_send_until_it_passes(world: World) -> None:
    from bot.store.subscriptions import subscribe
    from tests.fakes.discord_payloads import FakeChannel

    guild = world.fake.guilds[GUILD]
    extra = list(range(9200, 9224))
    for position, channel_id in enumerate(extra, start=10):
        guild.channels[channel_id] = FakeChannel(channel_id, GUILD, f"c{channel_id}", position)
    bot = await world.start()
    for channel_id in extra:
        await subscribe(bot.herald.sessions, "discord", str(channel_id), "channel", [], "en", bot.herald.clock.now())
    world.fake.force_429(1, retry_after=1.0, global_=True)
    post(world.content, "busy.md", title="Busy", categories=("News",))
    await bot.herald.index.scan()
    await eventually(lambda: all(posted(world, c) for c in extra), 20)
    await asyncio.sleep(0.3)
    assert all(len(posted(world, c)) == 1 for c in extra)  # none lost, none twice
    assert world.fake.global_violations == 0


async def test_a_resent_message_with_the_same_nonce_is_not_posted_twice(world: World) -> None:
    from adapters.discord.outlet import DiscordOutlet
    from bot.platform import Request

    bot = await world.start()
    outlet: DiscordOutlet = bot.runtime.outlet
    request = Request("create_message", {"content": "Once only"})
    first = await outlet.send(str(NEWS), [request])
    again = await outlet.send(str(NEWS), [request])  # e.g. after a timeout that hid the answer
    assert first == again
    assert [m["payload"]["content"] for m in posted(world, NEWS)] == ["Once only"]
