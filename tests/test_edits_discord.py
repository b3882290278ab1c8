"""Edits follow the post on Discord: the real app and discord.py against the fake Discord. A post
whose card changes has its messages PATCHed in place (never a new one), a message someone
deleted is dropped once (404 Unknown Message), and a deleted post deletes its messages when
HERALD_DELETE_REMOVED is on."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import select

from bot.store.models import Delivery
from tests.test_discord_app import MOD, NEWS, QUIET, World, eventually, post, posted, world

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

