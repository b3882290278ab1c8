"""Cards through channel webhooks (`HERALD_DISCORD_WEBHOOKS`), end to end: the real app and
discord.py against the fake Discord. A webhook target gets its cards from one webhook Herald
creates, under the site's name and avatar; a channel without Manage Webhooks gets the bot's sends
(one warning); a deleted webhook is made again once; a webhook's 429 is waited out; edits go
through the webhook; a thread is posted to with `thread_id`; a resend after a crash finds the
message already posted; the webhook's token never reaches the logs or the database."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord.forums import CardRequest
from adapters.discord.outlet import DiscordOutlet
from adapters.discord.webhooks import WEBHOOK_NAME, message_ref, parse_ref, wanted_targets
from bot.store.models import Delivery
from tests.test_discord_app import GUILD, MOD, NEWS, World, eventually, post, posted, world

__all__ = ["world"]  # the fixture, used by name

SITE, AVATAR = "Example Journal", "https://example.org/avatar.png"
THREAD = 9301
FORUM = 9401


def hooked(world: World, **changes: Any) -> Any:
    values: dict[str, Any] = dict(discord_webhooks=(f"discord:{NEWS}",), site_name=SITE, site_avatar=AVATAR,
                                  channels=(f"discord:{NEWS}",))
    values.update(changes)
    return world.settings(**values)


def by_webhook(world: World, channel: int) -> list[dict[str, Any]]:
    return [m for m in posted(world, channel) if m.get("webhook_id")]


def bot_sends(world: World, channel: int) -> list[object]:
    return [r for r in world.fake.requests if r.method == "POST" and r.path == f"/channels/{channel}/messages"]


async def rows(world: World) -> list[Delivery]:
    async with world.bots[-1].herald.sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def settled(world: World) -> list[Delivery]:
    async with asyncio.timeout(15):
        while True:
            found = await rows(world)
            if found and all(r.status not in ("pending", "sending") for r in found):
                return found
            await asyncio.sleep(0.02)


def rewrite(world: World, name: str, **kw: Any) -> None:
    path = post(world.content, name, **kw)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def publish(world: World, name: str, title: str, date: str = "2026-02-01 10:00:00") -> None:
    post(world.content, name, title=title, date=date)
    await world.bots[-1].herald.index.scan()


async def test_a_webhook_target_gets_cards_from_one_webhook_under_the_site_name(world: World) -> None:
    await world.start(settings=hooked(world))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: len(by_webhook(world, NEWS)) == 1, 10)
    await publish(world, "later.md", "Later news", "2026-02-02 10:00:00")
    await eventually(lambda: len(by_webhook(world, NEWS)) == 2, 10)
    await settled(world)

    [hook] = world.fake.webhooks.created  # the second article reused it
    assert hook.channel_id == NEWS and hook.name == WEBHOOK_NAME
    titles = sorted(m["payload"]["embeds"][0]["title"] for m in posted(world, NEWS))
    assert titles == ["Fresh news", "Later news"]  # and nothing else: no bot message
    for message in by_webhook(world, NEWS):
        assert message["username"] == SITE and message["avatar_url"] == AVATAR
        assert message["query"]["wait"] in ("1", "true") and "thread_id" not in message["query"]
        assert message["response"]["author"]["username"] == SITE
        assert "nonce" not in message["payload"] and message["payload"]["allowed_mentions"] == {"parse": []}
    assert bot_sends(world, NEWS) == []
    stored = [r.message_id or "" for r in await rows(world)]
    assert sorted(parse_ref(s) for s in stored) == sorted((hook.id, m["id"]) for m in by_webhook(world, NEWS))
    assert all(len(s) <= 128 and hook.token not in s for s in stored)


async def test_without_site_name_the_card_shows_the_webhooks_own_name(world: World) -> None:
    await world.start(settings=hooked(world, site_name=None, site_avatar=None))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    [message] = by_webhook(world, NEWS)
    assert "username" not in message["payload"] and "avatar_url" not in message["payload"]
    assert message["response"]["author"]["username"] == WEBHOOK_NAME


async def test_an_existing_herald_webhook_is_reused_and_other_webhooks_are_left_alone(world: World) -> None:
    others = world.fake.webhooks.add(NEWS, name="Someone's bot", application_id=555)
    ours = world.fake.webhooks.add(NEWS, name=WEBHOOK_NAME, application_id=world.fake.application_id)
    await world.start(settings=hooked(world))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    assert world.fake.webhooks.created == []
    assert [m["webhook_id"] for m in by_webhook(world, NEWS)] == [ours.id] and others.id != ours.id


async def test_without_manage_webhooks_the_bot_sends_and_warns_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="herald.discord.webhooks")
    world.fake.set_permissions(NEWS, manage_webhooks=False)
    await world.start(settings=hooked(world))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: len(posted(world, NEWS)) == 1, 10)
    await publish(world, "later.md", "Later news", "2026-02-02 10:00:00")
    await eventually(lambda: len(posted(world, NEWS)) == 2, 10)
    await settled(world)
    assert by_webhook(world, NEWS) == [] and all(m["nonce"] for m in posted(world, NEWS))
    warnings = [r for r in caplog.records if r.name == "herald.discord.webhooks" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(NEWS) in warnings[0].getMessage()
    asked = [r for r in world.fake.requests if r.path == f"/channels/{NEWS}/webhooks"]
    assert [r.status for r in asked] == [403]  # not asked again for the second article
    assert {r.status for r in await rows(world)} == {"sent"}


async def test_a_deleted_webhook_is_made_again_once_and_the_card_sent_once(world: World) -> None:
    await world.start(settings=hooked(world))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    first = world.fake.webhooks.created[0]
    world.fake.webhooks.delete(first.id)  # someone deleted it in Discord's settings
    await publish(world, "later.md", "Later news", "2026-02-02 10:00:00")
    await eventually(lambda: len(by_webhook(world, NEWS)) == 2, 10)
    await settled(world)
    assert len(world.fake.webhooks.created) == 2
    second = world.fake.webhooks.created[1]
    later = [m for m in posted(world, NEWS) if m["payload"]["embeds"][0]["title"] == "Later news"]
    assert [m["webhook_id"] for m in later] == [second.id]
    assert [e["status"] for e in world.fake.webhooks.executes] == [200, 200]
    refused = [r for r in world.fake.requests if r.status == 404]
    assert [r.path for r in refused] == [f"/webhooks/{first.id}/{first.token}"]  # one 10015, then the new one
    assert {r.status for r in await rows(world)} == {"sent"}


async def test_a_429_on_the_webhook_is_waited_out_and_the_card_sent_once(world: World) -> None:
    world.fake.webhooks.force_429(1, retry_after=0.3)
    await world.start(settings=hooked(world))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    await settled(world)
    assert [e["status"] for e in world.fake.webhooks.executes] == [429, 200]
    assert len(posted(world, NEWS)) == 1
    assert {r.status for r in await rows(world)} == {"sent"}


async def test_an_edit_of_a_webhook_card_goes_through_the_webhook_even_after_a_restart(world: World) -> None:
    bot = await world.start(settings=hooked(world))
    await publish(world, "story.md", "First title")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    await settled(world)
    [sent] = by_webhook(world, NEWS)
    rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, NEWS)[0]["payload"]["embeds"][0]["title"] == "Second title", 15)
    await settled(world)
    [edit] = world.fake.webhooks.edits
    assert (edit["kind"], edit["message_id"]) == ("edit", sent["id"])
    assert [m["id"] for m in posted(world, NEWS)] == [sent["id"]]  # edited in place, no new message
    assert not [r for r in world.fake.requests if r.method == "PATCH" and r.path.startswith("/channels/")]

    await bot.close()  # the webhook's token is only in memory: the next process asks for it
    bot = await world.start(settings=hooked(world))
    rewrite(world, "story.md", title="Third title")
    await bot.herald.index.scan()
    await eventually(lambda: posted(world, NEWS)[0]["payload"]["embeds"][0]["title"] == "Third title", 15)
    await settled(world)
    assert [e["kind"] for e in world.fake.webhooks.edits] == ["edit", "edit"]
    assert [r.status for r in world.fake.requests if r.path == f"/webhooks/{sent['webhook_id']}"] == [200]


async def test_a_deleted_post_deletes_its_webhook_message(world: World) -> None:
    bot = await world.start(settings=hooked(world, delete_removed=True))
    await publish(world, "story.md", "First title")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    await settled(world)
    (world.content / "story.md").unlink()
    await bot.herald.index.scan()
    await eventually(lambda: not posted(world, NEWS), 15)
    await settled(world)
    assert [e["kind"] for e in world.fake.webhooks.edits] == ["delete"]


async def test_a_thread_target_is_posted_through_its_parents_webhook(world: World) -> None:
    world.fake.add_thread(GUILD, NEWS, THREAD, "releases")
    bot = await world.start(settings=hooked(world, discord_webhooks=("*",), channels=()))
    await world.command("subscribe", channel=THREAD, user=MOD)
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: by_webhook(world, THREAD), 10)
    await settled(world)
    [hook] = world.fake.webhooks.created
    assert hook.channel_id == NEWS
    [message] = by_webhook(world, THREAD)
    assert message["query"]["thread_id"] == str(THREAD) and posted(world, NEWS) == []
    rewrite(world, "fresh.md", title="Fresher news")
    await bot.herald.index.scan()
    await eventually(lambda: world.fake.webhooks.edits, 15)
    assert world.fake.webhooks.edits[0]["query"]["thread_id"] == str(THREAD)


async def test_a_forum_target_keeps_the_bots_posts(world: World) -> None:
    world.fake.add_forum(GUILD, FORUM, "articles")
    await world.start(settings=hooked(world, discord_webhooks=("*",), channels=(f"discord:{FORUM}",)))
    await publish(world, "fresh.md", "Fresh news")
    await eventually(lambda: world.fake.forum_posts, 10)
    await settled(world)
    assert world.fake.webhooks.created == [] and world.fake.webhooks.executes == []


async def test_a_resend_after_a_crash_finds_the_message_already_posted(world: World) -> None:
    bot = await world.start(settings=hooked(world))
    outlet: DiscordOutlet = bot.runtime.outlet
    card = CardRequest("create_message", {"embeds": [{"title": "Once", "url": "https://example.org/once"}]},
                       "Once", ())
    first = await outlet.send(str(NEWS), [card])
    again = await outlet.send(str(NEWS), [card])  # the worker died before writing `first` down
    assert first == again and len(posted(world, NEWS)) == 1
    other = CardRequest("create_message", {"embeds": [{"title": "Once", "url": "https://example.org/other"}]},
                        "Once", ())
    assert await outlet.send(str(NEWS), [other]) != first
    assert len(posted(world, NEWS)) == 2


async def test_the_webhook_token_never_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.fake.webhooks.force_429(1, retry_after=0.05)
    bot = await world.start(settings=hooked(world))
    await publish(world, "story.md", "First title")
    await eventually(lambda: by_webhook(world, NEWS), 10)
    rewrite(world, "story.md", title="Second title")
    await bot.herald.index.scan()
    await eventually(lambda: world.fake.webhooks.edits, 15)
    await settled(world)
    [token] = world.fake.webhooks.tokens()
    assert any(f"/webhooks/{world.fake.webhooks.created[0].id}/" in r.getMessage() for r in caplog.records)
    assert [(r.name, r.getMessage()[:300]) for r in caplog.records if token in r.getMessage()] == []
    assert token not in caplog.text
    assert all(token not in (r.message_id or "") + (r.error or "") for r in await rows(world))


def test_the_setting_names_targets_or_every_target() -> None:
    assert wanted_targets(["discord:123", " discord:456 ", "telegram:-100", "discord:x"]) == (
        False, frozenset({"123", "456"}))
    assert wanted_targets(["*"])[0] is True
    assert parse_ref("webhook:12:34") == (12, 34) and parse_ref("1234") is None
    assert parse_ref("webhook:12:") is None and parse_ref("webhook:" + "9" * 30 + ":1") is None


@given(st.integers(min_value=1, max_value=2**64 - 1), st.integers(min_value=1, max_value=2**64 - 1))
def test_a_stored_webhook_message_id_reads_back_and_fits_the_column(hook: int, message: int) -> None:
    stored = message_ref(hook, message)
    assert parse_ref(stored) == (hook, message) and len(stored) <= 128


@given(st.text(max_size=200))
def test_any_stored_message_id_is_read_without_error(stored: str) -> None:
    found = parse_ref(stored)
    assert found is None or (stored.startswith("webhook:") and all(n >= 0 for n in found))
    if stored.isdecimal():  # a bot message's id is never taken for a webhook's
        assert found is None
