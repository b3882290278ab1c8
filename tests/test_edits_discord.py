"""Edits follow the post on Discord: the real app and discord.py against the fake Discord. A post
whose card changes has its messages PATCHed in place (never a new one), a message someone
deleted is dropped once (404 Unknown Message), and a deleted post deletes its messages when
HERALD_DELETE_REMOVED is on. A card in an archived thread (the bot's or a webhook's) is edited
after unarchiving the thread; where that is refused the edit is dropped once, quietly."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from sqlalchemy import select

from bot.store.models import Delivery
from bot.store.subscriptions import get_subscription
from tests.test_discord_app import ADMIN, GUILD, MOD, NEWS, QUIET, World, eventually, post, posted, world

__all__ = ["world"]  # the fixture, used by name


def _rewrite(world: World, name: str, **kw: object) -> None:
    path = post(world.content, name, **kw)  # type: ignore[arg-type]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def _rows(world: World) -> list[Delivery]:
    async with world.bots[-1].herald.sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def _settled(world: World) -> list[Delivery]:
    async with asyncio.timeout(15):
        while True:
            rows = await _rows(world)
            if all(r.status not in ("pending", "sending") for r in rows):
                return rows
            await asyncio.sleep(0.02)


def _requests(world: World, method: str, channel: int) -> list[object]:
    return [r for r in world.fake.requests if r.method == method and r.path.startswith(f"/channels/{channel}/messages/")]


async def _two_channels_with_a_card(world: World, **settings: object):
    bot = await world.start(settings=world.settings(**settings))
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=QUIET, user=MOD)
    post(world.content, "story.md", title="First title")
    await bot.herald.index.scan()
    await eventually(lambda: len(posted(world, NEWS)) == 1 and len(posted(world, QUIET)) == 1)
    await _settled(world)
    return bot


async def test_a_changed_title_edits_the_embed_in_place(world: World) -> None:
    bot = await _two_channels_with_a_card(world)
    ids = {channel: posted(world, channel)[0]["id"] for channel in (NEWS, QUIET)}
    _rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: all(posted(world, c)[0]["payload"]["embeds"][0]["title"] == "Second title"
                                 for c in (NEWS, QUIET)), timeout=15)
    await _settled(world)
    for channel in (NEWS, QUIET):
        (message,) = posted(world, channel)  # no new message
        assert message["id"] == ids[channel] and message["response"]["edited_timestamp"]
        assert len(_requests(world, "PATCH", channel)) == 1
        assert message["payload"]["allowed_mentions"] == {"parse": []}


async def test_a_message_someone_deleted_is_dropped_once(world: World) -> None:
    bot = await _two_channels_with_a_card(world)
    gone = posted(world, QUIET)[0]["id"]
    world.fake.delete_message(gone)
    _rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, NEWS)[0]["payload"]["embeds"][0]["title"] == "Second title", timeout=15)
    rows = await _settled(world)
    (dropped,) = [r for r in rows if r.channel_id == str(QUIET) and r.action != "send"]
    assert dropped.status == "dropped" and "10008" in (dropped.error or "")
    assert [r.status for r in _requests(world, "PATCH", QUIET)] == [404]  # once, never again
    subscribed = {r.channel_id for r in rows if r.action == "send"}
    assert subscribed == {str(NEWS), str(QUIET)}


async def test_a_deleted_post_deletes_its_messages_when_asked(world: World) -> None:
    bot = await _two_channels_with_a_card(world, delete_removed=True)
    (world.content / "story.md").unlink()
    await bot.herald.index.scan()
    await eventually(lambda: not posted(world, NEWS) and not posted(world, QUIET), timeout=15)
    rows = await _settled(world)
    assert {(r.action, r.status) for r in rows} == {("send", "sent"), ("delete", "sent")}
    assert all(len(_requests(world, "DELETE", c)) == 1 for c in (NEWS, QUIET))



# ---- cards in archived threads ---------------------------------------------------------------

THREAD = 9301


def told_admin(world: World) -> list[dict[str, Any]]:
    """The direct messages the admin got."""
    dm = world.fake._channels.dm_of(ADMIN)
    return [m for m in world.fake.messages if dm is not None and m["channel_id"] == dm.id]


async def _a_card_in_a_thread(world: World, **settings: Any) -> Any:
    world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start(settings=world.settings(**settings))
    await world.command("subscribe", channel=THREAD, user=MOD)
    post(world.content, "story.md", title="First title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD), 10)
    await _settled(world)
    return bot


def _thread_patches(world: World) -> list[tuple[object, int]]:
    return [(r.json, r.status) for r in world.fake.requests if r.method == "PATCH" and r.path == f"/channels/{THREAD}"]


async def test_an_edit_in_an_archived_thread_unarchives_it_and_edits_the_card(world: World) -> None:
    bot = await _a_card_in_a_thread(world)
    await world.fake.archive_thread(THREAD)
    _rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD)[0]["payload"]["embeds"][0]["title"] == "Second title", 15)
    rows = await _settled(world)
    [card] = posted(world, THREAD)  # edited in place
    assert card["response"]["edited_timestamp"]
    assert [r.status for r in _requests(world, "PATCH", THREAD)] == [400, 200]  # refused, unarchived, edited
    assert _thread_patches(world) == [({"archived": False}, 200)]  # not a forum post: never renamed
    assert not world.fake.channel(THREAD).archived and world.fake.renamed == []
    assert {r.status for r in rows} == {"sent"} and told_admin(world) == []


async def test_a_locked_thread_that_may_not_be_unarchived_drops_the_edit_once_quietly(world: World) -> None:
    bot = await _a_card_in_a_thread(world)
    await world.fake.archive_thread(THREAD, locked=True)  # a moderator closed it
    world.fake.set_permissions(THREAD, manage_threads=False)
    _rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: _thread_patches(world), 15)
    rows = await _settled(world)
    (dropped,) = [r for r in rows if r.action != "send"]
    assert dropped.status == "dropped" and "archived" in (dropped.error or "")
    assert [r.status for r in _requests(world, "PATCH", THREAD)] == [400]  # once, never again
    assert [status for _, status in _thread_patches(world)] == [403]
    assert not [r for r in world.fake.requests if r.method == "GET" and r.path == f"/channels/{THREAD}"]
    assert posted(world, THREAD)[0]["payload"]["embeds"][0]["title"] == "First title"
    state = await get_subscription(bot.herald.sessions, "discord", str(THREAD))
    assert state is not None and state.active  # an edit refused is no reason to stop the target
    await asyncio.sleep(0.3)
    assert told_admin(world) == []


async def test_a_webhooks_card_in_an_archived_thread_is_edited_after_unarchiving(world: World) -> None:
    bot = await _a_card_in_a_thread(world, discord_webhooks=("*",))
    [card] = posted(world, THREAD)
    assert card.get("webhook_id")  # posted through the parent channel's webhook
    await world.fake.archive_thread(THREAD)
    _rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD)[0]["payload"]["embeds"][0]["title"] == "Second title", 15)
    rows = await _settled(world)
    assert [e["kind"] for e in world.fake.webhooks.edits] == ["edit"]
    assert world.fake.webhooks.edits[0]["query"]["thread_id"] == str(THREAD)
    assert _thread_patches(world) == [({"archived": False}, 200)]
    webhook_patches = [r.status for r in world.fake.requests if r.method == "PATCH" and r.path.startswith("/webhooks/")]
    assert webhook_patches == [400, 200]
    assert {r.status for r in rows} == {"sent"}
