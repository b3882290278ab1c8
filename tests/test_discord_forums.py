"""Discord forum channels as targets, end to end (real discord.py against the fake Discord): a
forum in HERALD_CHANNELS passes the start-up check and gets one new post per article, named after
the article, its card as the first message, tagged with the forum's tags that name the article's
categories; a resend after a crash does not start a second post; an edited title edits the card
and renames the post (once, only when the name changes, never failing the edit). Plus properties
of the post's name and tags for any title and categories."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord.forums import APPLIED_TAGS, THREAD_NAME, CardRequest, Forum, Tag, thread_name
from bot.store.models import Delivery
from tests.test_discord_app import (
    GUILD,
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

FORUM = 9401
NEWS_TAG, SCIENCE_TAG, PINNED_TAG = 77001, 77002, 77003


def forum_posts(world: World) -> list[tuple[str, list[str]]]:
    """The posts started in the forum: (name, applied tag names)."""
    return [(p["name"], p["applied_tags"]) for p in world.fake.forum_posts if p["forum"] == FORUM]


async def start_with_forum(world: World, **forum: Any) -> Any:
    world.fake.add_forum(GUILD, FORUM, "articles", tags={NEWS_TAG: "News", SCIENCE_TAG: "science"}, **forum)
    return await world.start(settings=world.settings(channels=(f"discord:{FORUM}",)))


async def test_a_configured_forum_gets_one_tagged_post_per_article(world: World) -> None:
    bot = await start_with_forum(world)
    assert await bot.runtime.check_targets([str(FORUM)]) == {str(FORUM): None}
    post(world.content, "fresh.md", title="Fresh news", categories=("ＮＥＷＳ", "Opinion"))  # full width
    post(world.content, "lab.md", title="Lab report", categories=("Science",), date="2026-02-02 10:00:00")
    post(world.content, "essay.md", title="An essay", categories=("Opinion",), date="2026-02-03 10:00:00")
    await bot.herald.index.scan()
    await eventually(lambda: len(forum_posts(world)) == 3, 10)
    await asyncio.sleep(0.3)
    assert sorted(forum_posts(world)) == [("An essay", []), ("Fresh news", ["News"]), ("Lab report", ["science"])]
    for started in world.fake.forum_posts:
        [card] = posted(world, started["thread"])  # the card is the post's first message
        assert card["payload"]["embeds"][0]["title"] == started["name"]
        assert card["id"] == started["thread"]
    assert posted(world, FORUM) == []
    async with bot.herald.sessions() as session:
        rows = (await session.scalars(select(Delivery).where(Delivery.channel_id == str(FORUM)))).all()
    assert sorted(row.message_id for row in rows) == sorted(str(p["thread"]) for p in world.fake.forum_posts)
    assert all(row.status == "sent" for row in rows)


async def test_a_forum_is_learnt_once_and_ordinary_channels_cost_nothing_extra(world: World) -> None:
    from bot.store.subscriptions import subscribe

    bot = await start_with_forum(world)

    await subscribe(bot.herald.sessions, "discord", str(NEWS), "channel", [], "en", bot.herald.clock.now())
    for index in range(3):
        post(world.content, f"p{index}.md", title=f"Post {index}", date=f"2026-02-0{index + 1} 10:00:00")
        await bot.herald.index.scan()
    await eventually(lambda: len(forum_posts(world)) == 3 and len(posted(world, NEWS)) == 3, 10)
    lookups = [r for r in world.fake.requests if r.method == "GET" and r.path.startswith("/channels/")
               and "/messages" not in r.path]
    # The forum is in the client's cache from the gateway: no refused message, no lookup at all.
    assert [r for r in world.fake.requests if r.path == f"/channels/{FORUM}/messages"] == []
    assert lookups == []


async def test_a_forum_unknown_to_the_cache_is_recognised_by_discords_refusal(world: World) -> None:
    from adapters.discord.outlet import DiscordOutlet

    bot = await world.start()
    world.fake.add_forum(GUILD, FORUM, "articles", tags={NEWS_TAG: "News"})  # created after the bot connected
    outlet: DiscordOutlet = bot.runtime.outlet
    card = CardRequest("create_message", {"embeds": [{"title": "Late news", "url": "https://example.org/late"}]},
                       "Late news", ("news",))
    post_id = await outlet.send(str(FORUM), [card])
    assert forum_posts(world) == [("Late news", ["News"])]
    assert post_id == str(world.fake.forum_posts[0]["thread"])
    refused = [r.status for r in world.fake.requests if r.path == f"/channels/{FORUM}/messages"]
    assert refused == [400]  # learnt from that one refusal
    await outlet.send(str(FORUM), [CardRequest("create_message", {"content": "Second"}, "Second", ())])
    assert [r.status for r in world.fake.requests if r.path == f"/channels/{FORUM}/messages"] == [400]


async def test_a_resend_after_a_crash_does_not_start_a_second_post(world: World) -> None:
    from adapters.discord.outlet import DiscordOutlet

    bot = await start_with_forum(world)
    outlet: DiscordOutlet = bot.runtime.outlet
    card = CardRequest("create_message", {"embeds": [{"title": "Once", "url": "https://example.org/once"}]},
                       "Once", ("News",))
    first = await outlet.send(str(FORUM), [card])
    again = await outlet.send(str(FORUM), [card])  # the worker died before writing `first` down
    assert first == again and forum_posts(world) == [("Once", ["News"])]
    # Another article that happens to have the same title is a post of its own.
    other = CardRequest("create_message", {"embeds": [{"title": "Once", "url": "https://example.org/once-more"}]},
                        "Once", ())
    assert await outlet.send(str(FORUM), [other]) != first
    assert len(forum_posts(world)) == 2


async def test_a_long_title_is_cut_to_a_post_name_and_the_rest_goes_in_the_post(world: World) -> None:
    from adapters.discord.outlet import DiscordOutlet

    bot = await start_with_forum(world)
    outlet: DiscordOutlet = bot.runtime.outlet
    title = "A very long title " * 12
    parts = [CardRequest("create_message", {"content": title}, title, ()),
             CardRequest("create_message", {"content": "and its second part"}, title, ())]
    post_id = await outlet.send(str(FORUM), parts)
    [(name, _)] = forum_posts(world)
    assert 0 < len(name) <= THREAD_NAME and name.startswith("A very long title")
    assert [m["payload"]["content"] for m in posted(world, int(post_id))] == [title, "and its second part"]


async def test_moderated_tags_are_left_off_without_manage_threads(world: World) -> None:
    world.fake.add_forum(GUILD, FORUM, "articles", tags={NEWS_TAG: "News", PINNED_TAG: "Pinned"},
                         moderated={PINNED_TAG})
    world.fake.set_permissions(FORUM, manage_threads=False)
    bot = await world.start(settings=world.settings(channels=(f"discord:{FORUM}",)))
    post(world.content, "fresh.md", title="Fresh news", categories=("Pinned", "News"))
    await bot.herald.index.scan()
    await eventually(lambda: forum_posts(world), 10)
    assert forum_posts(world) == [("Fresh news", ["News"])]


async def test_a_forum_without_create_posts_is_disabled_at_start(world: World) -> None:
    from bot.store.subscriptions import get_subscription

    world.fake.add_forum(GUILD, FORUM, "articles")
    world.fake.set_permissions(FORUM, send=False)
    bot = await world.start(settings=world.settings(channels=(f"discord:{FORUM}",)))
    async with asyncio.timeout(10):
        while (state := await get_subscription(bot.herald.sessions, "discord", str(FORUM))) is None or state.active:
            await asyncio.sleep(0.05)
    assert "Send Messages" in (state.reason or "")


async def test_a_forum_post_carries_the_attached_image(world: World, image_host: str) -> None:
    world.fake.add_forum(GUILD, FORUM, "articles", tags={NEWS_TAG: "News"})
    world.fake.block_image_host("127.0.0.1")
    bot = await world.start(attach_hosts=("127.0.0.1",), settings=world.settings(
        allow_private_fetch=True, channels=(f"discord:{FORUM}",)))
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: forum_posts(world), 10)
    [card] = posted(world, world.fake.forum_posts[0]["thread"])
    [(filename, data)] = card["attachments"].items()
    assert data == png() and card["payload"]["embeds"][0]["image"]["url"] == f"attachment://{filename}"
    assert card["response"]["embeds"][0]["image"]["url"].startswith(world.fake.base_url + "/attachments/")


# ---- the post's name and tags, for any input ------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8"), max_size=300)


@given(TEXT, TEXT, st.booleans())
def test_any_title_makes_a_post_name_discord_accepts(title: str, text: str, embed: bool) -> None:
    params: dict[str, Any] = {"embeds": [{"title": text}]} if embed else {"content": text}
    name = thread_name(CardRequest("create_message", params, title, ()))
    assert 1 <= len(name) <= THREAD_NAME
    assert "\n" not in name and name == name.strip()


@given(st.lists(st.tuples(st.text(max_size=20), st.booleans()), max_size=30),
       st.lists(st.text(max_size=20), max_size=30))
def test_at_most_five_existing_tags_are_chosen_each_once(tags: list[tuple[str, bool]], categories: list[str]) -> None:
    forum = Forum(1, 2, tuple(Tag(100 + i, name, moderated) for i, (name, moderated) in enumerate(tags)))
    chosen = forum.tags_for(tuple(categories))
    assert len(chosen) <= APPLIED_TAGS and len(set(chosen)) == len(chosen)
    assert set(chosen) <= {tag.id for tag in forum.tags}
    unmoderated = forum.tags_for(tuple(categories), moderated=False)
    assert not forum.has_moderated(unmoderated)


# ---- an edited article renames its post ---------------------------------------------------


def rewrite(world: World, name: str, **kw: Any) -> None:
    """Write the post again with a later modification time (what an author's edit looks like)."""
    path = post(world.content, name, **kw)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def settled(world: World) -> list[Delivery]:
    async with asyncio.timeout(15):
        while True:
            async with world.bots[-1].herald.sessions() as session:
                rows = list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())
            if rows and all(r.status not in ("pending", "sending") for r in rows):
                return rows
            await asyncio.sleep(0.02)


def thread_patches(world: World, thread: int) -> list[tuple[Any, int]]:
    """What the bot asked of the post's thread itself (`PATCH /channels/{thread}`), and the answers."""
    return [(r.json, r.status) for r in world.fake.requests if r.method == "PATCH" and r.path == f"/channels/{thread}"]


async def a_post_in_the_forum(world: World, **forum: Any) -> tuple[Any, int]:
    bot = await start_with_forum(world, **forum)
    post(world.content, "story.md", title="First title")
    await bot.herald.index.scan()
    await eventually(lambda: forum_posts(world), 10)
    await settled(world)
    return bot, world.fake.forum_posts[0]["thread"]


async def edited(world: World, bot: Any, thread: int, **article: Any) -> None:
    """Change the article and wait until its card in the post shows it."""
    before = world.fake.requests.copy()
    rewrite(world, "story.md", **article)
    await bot.herald.index.scan()
    await eventually(lambda: any(r.method == "PATCH" and r.path == f"/channels/{thread}/messages/{thread}"
                                 and r.status == 200 for r in world.fake.requests[len(before):]), 15)
    await settled(world)


async def test_an_edited_title_edits_the_card_and_renames_the_post_once(world: World) -> None:
    bot, thread = await a_post_in_the_forum(world)
    await edited(world, bot, thread, title="Second title")
    [card] = posted(world, thread)  # edited in place, no new message, no new post
    assert card["payload"]["embeds"][0]["title"] == "Second title" and card["response"]["edited_timestamp"]
    assert forum_posts(world) == [("First title", ["News"])]  # as it was started
    assert world.fake.channel(thread).name == "Second title"
    assert thread_patches(world, thread) == [({"name": "Second title"}, 200)]


async def test_an_edit_that_keeps_the_title_does_not_touch_the_posts_name(world: World) -> None:
    bot, thread = await a_post_in_the_forum(world)
    await edited(world, bot, thread, title="First title", body="A corrected excerpt.")
    [card] = posted(world, thread)
    assert "corrected" in card["payload"]["embeds"][0]["description"]
    assert thread_patches(world, thread) == []  # the name came from discord.py's cache: no request


async def test_a_long_new_title_is_fitted_to_a_post_name(world: World) -> None:
    bot, thread = await a_post_in_the_forum(world)
    await edited(world, bot, thread, title="A much longer title " * 8)
    [(body, status)] = thread_patches(world, thread)
    assert status == 200 and 0 < len(body["name"]) <= THREAD_NAME and body["name"].startswith("A much longer")


async def test_an_archived_post_is_unarchived_edited_and_renamed(world: World) -> None:
    bot, thread = await a_post_in_the_forum(world)
    await world.fake.archive_thread(thread)  # a day without messages
    await edited(world, bot, thread, title="Second title")
    assert posted(world, thread)[0]["payload"]["embeds"][0]["title"] == "Second title"
    assert thread_patches(world, thread) == [({"archived": False}, 200), ({"name": "Second title"}, 200)]
    edits = [r.status for r in world.fake.requests if r.path == f"/channels/{thread}/messages/{thread}"]
    assert edits == [400, 200]


async def test_an_archived_post_keeping_its_title_is_only_unarchived(world: World) -> None:
    bot, thread = await a_post_in_the_forum(world)
    await world.fake.archive_thread(thread)  # out of discord.py's cache now
    await edited(world, bot, thread, title="First title", body="A corrected excerpt.")
    # The name came back with the unarchiving: no rename asked.
    assert thread_patches(world, thread) == [({"archived": False}, 200)]


async def test_a_refused_rename_leaves_the_edit_standing_and_is_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    bot, thread = await a_post_in_the_forum(world)
    world.fake.channel(thread).locked = True  # a moderator locked the post, and the bot may not manage threads
    world.fake.set_permissions(thread, manage_threads=False)
    with caplog.at_level(logging.WARNING, logger="herald.discord.outlet"):
        await edited(world, bot, thread, title="Second title")
        await edited(world, bot, thread, title="Third title")
    assert posted(world, thread)[0]["payload"]["embeds"][0]["title"] == "Third title"
    assert [status for _, status in thread_patches(world, thread)] == [403, 403]
    rows = await settled(world)
    assert {r.status for r in rows} == {"sent"} and len(rows) == 3  # the send and both edits
    warnings = [r for r in caplog.records if "keeps its old name" in r.getMessage()]
    assert len(warnings) == 1 and str(thread) in warnings[0].getMessage()
    [state] = [s for s in await subscriptions(world) if s[0] == str(FORUM)]
    assert state == (str(FORUM), True)


async def test_a_rename_past_discords_limit_is_given_up_and_the_edit_stands(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import adapters.discord.outlet

    monkeypatch.setattr(adapters.discord.outlet, "RENAME_WAIT", 0.5)  # instead of waiting minutes
    bot, thread = await a_post_in_the_forum(world)
    with caplog.at_level(logging.WARNING, logger="herald.discord.outlet"):
        for title in ("Second title", "Third title", "Fourth title"):
            await edited(world, bot, thread, title=title)
    assert posted(world, thread)[0]["payload"]["embeds"][0]["title"] == "Fourth title"
    assert world.fake.renamed == [(thread, "Second title"), (thread, "Third title")]  # Discord's two in ten minutes
    assert [status for _, status in thread_patches(world, thread)] == [200, 200, 429]
    assert {r.status for r in await settled(world)} == {"sent"}
    assert any("keeps its old name" in r.getMessage() for r in caplog.records)
