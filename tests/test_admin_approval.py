"""Approval mode on both platforms' fakes: a new post is held, every admin gets its card with
Approve / Queue / Skip buttons in a private chat (Telegram) or a DM (Discord), and pressing
Approve publishes it to the subscribers once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.store.articles import get_article
from bot.store.subscriptions import subscribe
from tests.test_discord_app import ADMIN as DISCORD_ADMIN
from tests.test_discord_app import (
    NEWS,
    READER,
    World,
    eventually,
    world,  # noqa: F401 - the fixture
)
from tests.test_discord_app import post as discord_post
from tests.test_telegram_app import ADMIN as TELEGRAM_ADMIN
from tests.test_telegram_app import post as telegram_post
from tests.test_telegram_app import running, until

READERS_CHAT = 5005


async def test_telegram_admin_approves_with_the_inline_button(tmp_path: Path) -> None:
    async with running(tmp_path, auto_publish=False) as b:
        b.tg.add_chat(READERS_CHAT, type="private")
        await subscribe(b.herald.sessions, "telegram", str(READERS_CHAT), "private", [], "en",
                        b.herald.clock.now())
        telegram_post(b.content, "held", "Awaiting approval", image=None)
        request = (await until(lambda: [m for m in b.tg.sent_to(TELEGRAM_ADMIN) if m.reply_markup]))[0]
        assert "Awaiting approval" in (request.plain_text or "")
        assert (request.plain_text or "").startswith("⏳ Waiting for approval: article #1.")
        keys = [key for row in request.reply_markup["inline_keyboard"] for key in row]
        assert [key["text"] for key in keys] == ["Approve", "Queue", "Skip"]
        await asyncio.sleep(0.3)
        assert b.tg.sent_to(READERS_CHAT) == []  # held, not pushed
        b.tg.press(TELEGRAM_ADMIN, TELEGRAM_ADMIN, request.message_id, keys[0]["callback_data"])
        await until(lambda: b.tg.sent_to(READERS_CHAT))
        # The card itself now shows the decision, and its buttons are gone.
        confirmation = await until(lambda: [m for m in b.tg.sent if m.chat_id == TELEGRAM_ADMIN
                                            and "Approved" in (m.plain_text or "")])
        assert confirmation[0].method == "editMessageText" and confirmation[0].message_id == request.message_id
        assert "published" in confirmation[0].plain_text and confirmation[0].reply_markup is None
        row = await get_article(b.herald.sessions, 1)
        assert row is not None and row.state == "published"
        await asyncio.sleep(0.3)
        assert len(b.tg.sent_to(READERS_CHAT)) == 1


async def test_telegram_a_reader_pressing_the_button_changes_nothing(tmp_path: Path) -> None:
    async with running(tmp_path, auto_publish=False) as b:
        b.tg.add_chat(READERS_CHAT, type="private")
        telegram_post(b.content, "held", "Awaiting approval", image=None)
        request = (await until(lambda: [m for m in b.tg.sent_to(TELEGRAM_ADMIN) if m.reply_markup]))[0]
        approve = request.reply_markup["inline_keyboard"][0][0]["callback_data"]
        b.tg.press(READERS_CHAT, READERS_CHAT, request.message_id, approve)
        await asyncio.sleep(0.5)
        row = await get_article(b.herald.sessions, 1)
        assert row is not None and row.state == "held"


async def test_discord_admin_gets_a_dm_with_buttons_and_approves(world: World) -> None:  # noqa: F811
    bot = await world.start(settings=world.settings(auto_publish=False))
    await subscribe(bot.herald.sessions, "discord", str(NEWS), "group", [], "en", bot.herald.clock.now())
    discord_post(world.content, "held.md", title="Awaiting approval")

    def dm_messages() -> list[dict[str, Any]]:
        return [m for m in world.fake.messages if world.fake.channel(m["channel_id"]) is None]

    await eventually(dm_messages, 15)
    [request] = dm_messages()
    buttons = [c for row in request["payload"].get("components", []) for c in row["components"]]
    assert [b["label"] for b in buttons] == ["Approve", "Queue", "Skip"]
    assert "Awaiting approval" in str(request["payload"].get("embeds"))
    assert request["payload"]["content"].startswith("⏳ Waiting for approval: article #")
    assert not [m for m in world.fake.messages if m["channel_id"] == NEWS]  # held, not pushed
    payload = world.fake.component(buttons[0]["custom_id"], guild_id=None, channel_id=request["channel_id"],
                                   user_id=DISCORD_ADMIN, message_id=request["id"])
    [answer] = await world.interact(payload)
    assert "Approved" in str(answer["data"])
    assert answer["type"] == 7 and not (answer["data"] or {}).get("components")  # the card, settled
    await eventually(lambda: [m for m in world.fake.messages if m["channel_id"] == NEWS], 10)
    # A reader who sees the button cannot use it.
    refused = world.fake.component(buttons[0]["custom_id"], guild_id=None, channel_id=request["channel_id"],
                                   user_id=READER, message_id=request["id"])
    [answer] = await world.interact(refused)
    assert "only for the bot's admins" in str(answer["data"])
    await asyncio.sleep(0.3)
    assert len([m for m in world.fake.messages if m["channel_id"] == NEWS]) == 1
