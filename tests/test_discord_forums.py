"""Discord forum channels as targets, end to end (real discord.py against the fake Discord): a
forum in HERALD_CHANNELS passes the start-up check and gets one new post per article, named after
the article, its card as the first message, tagged with the forum's tags that name the article's
categories; a resend after a crash does not start a second post. Plus properties of the post's
name and tags for any title and categories."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord.forums import APPLIED_TAGS, THREAD_NAME, CardRequest, Forum, Tag, thread_name
from bot.store.models import Delivery
from tests.test_discord_app import GUILD, NEWS, World, eventually, image_host, png, post, posted, world

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
