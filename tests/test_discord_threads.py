"""Discord threads as targets, end to end (real discord.py against the fake Discord): a
subscription made inside a thread gets its cards in that thread; an archived thread is unarchived
and gets the card; one that may not be unarchived stops (admins told once) while the other
targets keep receiving; a thread in HERALD_CHANNELS passes the start-up check."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.store.subscriptions import get_subscription
from tests.test_discord_app import (
    ADMIN,
    GUILD,
    MOD,
    NEWS,
    World,
    eventually,
    image_host,
    png,
    post,
    posted,
    subscriptions,
    world,
)

__all__ = ["image_host", "world"]

THREAD = 9301


def told_admin(world: World) -> list[dict[str, Any]]:
    """The direct messages the admin got."""
    dm = world.fake._channels.dm_of(ADMIN)
    return [m for m in world.fake.messages if dm is not None and m["channel_id"] == dm.id]


async def test_an_archived_subscribed_thread_that_may_not_be_unarchived_stops_quietly(world: World) -> None:
    thread = world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start()
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=THREAD, user=MOD)
    thread.archived = thread.locked = True
    world.fake.set_permissions(THREAD, manage_threads=False)
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, NEWS))
    async with asyncio.timeout(20):
        while (str(THREAD), False) not in await subscriptions(world):
            await asyncio.sleep(0.05)
    assert (str(NEWS), True) in await subscriptions(world)


async def test_a_subscription_made_in_a_thread_gets_its_cards_in_the_thread(world: World) -> None:
    world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start()
    [answer] = await world.command("subscribe", channel=THREAD, user=MOD)
    assert "error" not in str(answer["data"]).lower()
    assert (str(THREAD), True) in await subscriptions(world)
    post(world.content, "fresh.md", title="Fresh news", categories=("News",))
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD))
    await asyncio.sleep(0.2)
    [card] = posted(world, THREAD)
    assert card["payload"]["embeds"][0]["title"] == "Fresh news"
    assert posted(world, NEWS) == []  # not the thread's parent channel
    # An ordinary send costs no extra request: no channel lookup, no unarchiving.
    assert not [r for r in world.fake.requests if r.method in ("GET", "PATCH") and r.path == f"/channels/{THREAD}"]


async def test_subscribing_in_a_thread_needs_send_messages_in_threads(world: World) -> None:
    world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    world.fake.set_permissions(THREAD, send=False)  # the thread's Send Messages in Threads
    await world.start()
    [answer] = await world.command("subscribe", channel=THREAD, user=MOD)
    text = str(answer["data"])
    assert "missing" in text and "Send Messages in Threads" in text
    assert (str(THREAD), True) not in await subscriptions(world)


async def test_an_archived_thread_is_unarchived_and_gets_the_card(world: World) -> None:
    thread = world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start()
    await world.command("subscribe", channel=THREAD, user=MOD)
    thread.archived = True  # nobody wrote there for a week
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD))
    await asyncio.sleep(0.2)
    assert len(posted(world, THREAD)) == 1
    assert world.fake.unarchived == [THREAD] and not thread.archived
    assert (str(THREAD), True) in await subscriptions(world)
    assert told_admin(world) == []


async def test_a_locked_thread_that_may_not_be_unarchived_stops_alone_and_admins_are_told_once(world: World) -> None:
    thread = world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start(settings=world.settings(channels=(f"discord:{NEWS}", f"discord:{THREAD}")))
    thread.archived = thread.locked = True  # a moderator closed it
    world.fake.set_permissions(THREAD, manage_threads=False)
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, NEWS))
    sessions = bot.herald.sessions
    async with asyncio.timeout(20):
        while (state := await get_subscription(sessions, "discord", str(THREAD))) is None or state.active:
            await asyncio.sleep(0.05)
    assert "archived" in (state.reason or "")
    await eventually(lambda: told_admin(world), 10)
    post(world.content, "later.md", title="Later news")
    await bot.herald.index.scan()
    await eventually(lambda: len(posted(world, NEWS)) == 2)
    await asyncio.sleep(0.3)
    assert posted(world, THREAD) == [] and thread.archived
    tries = [r for r in world.fake.requests if r.path.startswith(f"/channels/{THREAD}")]
    assert [(r.method, r.status) for r in tries] == [("POST", 400), ("PATCH", 403)]  # then never again
    notices = told_admin(world)
    assert len(notices) == 1 and f"discord:{THREAD}" in str(notices[0]["payload"])


async def test_a_configured_thread_passes_the_start_up_check(world: World) -> None:
    world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start(settings=world.settings(channels=(f"discord:{THREAD}",)))
    assert await bot.runtime.check_targets([str(THREAD)]) == {str(THREAD): None}
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD))
    state = await get_subscription(bot.herald.sessions, "discord", str(THREAD))
    assert state is not None and state.active


async def test_an_archived_thread_gets_the_card_with_its_attached_image(world: World, image_host: str) -> None:
    thread = world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    world.fake.block_image_host("127.0.0.1")
    bot = await world.start(attach_hosts=("127.0.0.1",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", channel=THREAD, user=MOD)
    thread.archived = True
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD))
    [card] = posted(world, THREAD)
    [(filename, data)] = card["attachments"].items()
    assert data == png() and card["payload"]["embeds"][0]["image"]["url"] == f"attachment://{filename}"
    assert world.fake.unarchived == [THREAD]


async def test_subscribing_inside_a_forum_post_puts_the_cards_in_that_post(world: World) -> None:
    forum = 9402
    world.fake.add_forum(GUILD, forum, "discussions")
    world.fake.add_thread(GUILD, forum, THREAD, "Herald news here")
    bot = await world.start()
    await world.command("subscribe", channel=THREAD, user=MOD)
    post(world.content, "fresh.md", title="Fresh news")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, THREAD))
    assert world.fake.forum_posts == []  # a reply in the post, not a new post
