"""Approval cards once decided: every admin's copy of the request shows the decision and loses
its buttons, whether one admin pressed a button or sent `/approve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_discord_app import ADMIN as DISCORD_ADMIN
from tests.test_discord_app import (
    World,
    eventually,
    world,  # noqa: F401 - the fixture
)
from tests.test_discord_app import post as discord_post
from tests.test_telegram_app import ADMIN, running, until
from tests.test_telegram_app import post as telegram_post

OTHER_ADMIN = 1002


def _cards(b: Any) -> list[Any]:
    return [m for m in b.tg.sent_to(ADMIN) + b.tg.sent_to(OTHER_ADMIN) if m.reply_markup]


def _edits_of(b: Any, card: Any) -> list[Any]:
    return [m for m in b.tg.sent if m.method.startswith("edit") and (m.chat_id, m.message_id) == (card.chat_id, card.message_id)]


async def test_telegram_a_pressed_decision_shows_on_every_admins_card(tmp_path: Path) -> None:
    admins = (f"telegram:{ADMIN}", f"telegram:{OTHER_ADMIN}")
    async with running(tmp_path, auto_publish=False, admins=admins) as b:
        b.tg.add_chat(OTHER_ADMIN, type="private")
        telegram_post(b.content, "held", "Awaiting approval", image=None)
        await until(lambda: len(_cards(b)) == 2)
        mine, theirs = sorted(_cards(b), key=lambda m: m.chat_id != ADMIN)
        approve = mine.reply_markup["inline_keyboard"][0][0]["callback_data"]
        b.tg.press(ADMIN, ADMIN, mine.message_id, approve)
        await until(lambda: _edits_of(b, mine) and _edits_of(b, theirs))
        for card in (mine, theirs):
            [edit] = _edits_of(b, card)
            assert edit.plain_text.startswith("Approved article #1") and edit.reply_markup is None


async def test_telegram_approve_command_settles_the_card(tmp_path: Path) -> None:
    async with running(tmp_path, auto_publish=False) as b:
        telegram_post(b.content, "held", "Awaiting approval", image=None)
        [card] = await until(lambda: [m for m in b.tg.sent_to(ADMIN) if m.reply_markup])
        b.tg.command(ADMIN, ADMIN, "/approve 1")
        await until(lambda: _edits_of(b, card))
        [edit] = _edits_of(b, card)
        assert edit.plain_text.startswith("Approved article #1") and edit.reply_markup is None
        await until(lambda: [m for m in b.tg.sent_to(ADMIN) if (m.plain_text or "").startswith("Approved article #1")])


async def test_discord_approve_command_settles_the_dm_card(world: World) -> None:  # noqa: F811
    await world.start(settings=world.settings(auto_publish=False))
    discord_post(world.content, "held.md", title="Awaiting approval")

    def dm_messages() -> list[dict[str, Any]]:
        return [m for m in world.fake.messages if world.fake.channel(m["channel_id"]) is None]

    await eventually(dm_messages, 15)
    [card] = dm_messages()
    assert card["payload"].get("components")
    await world.command("approve", {"id": 4}, user=DISCORD_ADMIN)

    def settled() -> bool:
        payload = dm_messages()[0]["payload"]
        return "Approved article #4" in str(payload.get("content")) and not payload.get("components")

    await eventually(settled, 10)
