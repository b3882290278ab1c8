"""/settings, /filter and /digest through the real clients: inline buttons on the fake Telegram
Bot API (a press edits the message in place and changes the store), components on the fake
Discord (a press updates the message), and typed `/settings silent on` on the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.store.subscriptions import get_subscription
from tests.console_chat import ConsoleChat
from tests.test_discord_app import GUILD, MOD, NEWS, NO_MANAGE, READER, World, content_of, ephemeral, world
from tests.test_telegram_app import ADMIN, running, until

__all__ = ["world"]  # the Discord fixture, used by name below


def keys_of(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [key for row in (markup or {}).get("inline_keyboard", []) for key in row]


async def test_telegram_settings_buttons_change_the_chat_and_edit_the_message(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1) as b:
        tg = b.tg
        await b.say(ADMIN, ADMIN, "/subscribe")
        (shown,) = await b.say(ADMIN, ADMIN, "/settings")
        assert "Silent: off" in shown.plain_text
        keys = keys_of(shown.reply_markup)
        assert [key["text"] for key in keys] == [
            "Silent: off", "Link preview: on", "Thumbnail: on", "Length: normal", "Language: auto",
        ]
        assert keys[0]["callback_data"] == "set:silent:on"
        tg.press(ADMIN, ADMIN, shown.message_id, keys[0]["callback_data"])
        edits = await until(lambda: [m for m in tg.sent if m.method == "editMessageText"])
        assert edits[0].message_id == shown.message_id and "Silent: on" in edits[0].plain_text
        assert keys_of(edits[0].reply_markup)[0]["callback_data"] == "set:silent:off"
        state = await get_subscription(b.herald.sessions, "telegram", str(ADMIN))
        assert state is not None and state.style.silent
        # The typed form works here too, and /subscriptions shows what is not the default.
        (typed,) = await b.say(ADMIN, ADMIN, "/settings length short")
        assert "Length: short" in typed.plain_text
        (subs,) = await b.say(ADMIN, ADMIN, "/subscriptions")
        assert "Silent: on · Length: short" in subs.plain_text


async def test_telegram_group_member_sees_settings_but_a_press_is_refused(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1) as b:
        tg = b.tg
        group = -4001
        tg.add_chat(group, type="group", admins={7}, members={8})
        await b.say(group, 7, "/subscribe", chat_type="group")
        (refused,) = await b.say(group, 8, "/filter +python", chat_type="group")
        assert "admin" in refused.plain_text.lower()
        (shown,) = await b.say(group, 8, "/settings", chat_type="group")
        assert len(keys_of(shown.reply_markup)) == 5
        tg.press(group, 8, shown.message_id, keys_of(shown.reply_markup)[0]["callback_data"])
        answers = await until(lambda: [a for a in tg.answers.values() if a.get("text")])
        assert "only admins" in answers[0]["text"] and answers[0].get("show_alert")
        assert not [m for m in tg.sent if m.method == "editMessageText"]
        state = await get_subscription(b.herald.sessions, "telegram", str(group))
        assert state is not None and not state.style.silent
        (ok,) = await b.say(group, 7, "/filter +python -ads", chat_type="group")
        assert "+python" in ok.plain_text and "-ads" in ok.plain_text


async def test_telegram_group_admin_changes_settings_with_a_press(tmp_path: Path) -> None:
    async with running(tmp_path, posts=1) as b:
        tg = b.tg
        group = -4002
        tg.add_chat(group, type="group", admins={7}, members={8})
        await b.say(group, 7, "/subscribe", chat_type="group")
        (shown,) = await b.say(group, 7, "/settings", chat_type="group")
        tg.press(group, 7, shown.message_id, keys_of(shown.reply_markup)[0]["callback_data"])
        edits = await until(lambda: [m for m in tg.sent if m.method == "editMessageText"])
        assert "Silent: on" in edits[0].plain_text
        state = await get_subscription(b.herald.sessions, "telegram", str(group))
        assert state is not None and state.style.silent


async def test_discord_settings_components_change_the_channel(world: World) -> None:
    await world.start()
    await world.command("subscribe", user=MOD)
    [shown] = await world.command("settings", user=MOD)
    assert not ephemeral(shown) and "Silent: off" in content_of(shown)
    buttons = [c for row in shown["data"]["components"] for c in row["components"]]
    assert [b["label"] for b in buttons][:2] == ["Silent: off", "Link preview: on"]
    press = world.fake.component(buttons[0]["custom_id"], guild_id=GUILD, channel_id=NEWS, user_id=MOD)
    [response] = await world.interact(press)
    assert response["type"] == 7  # UPDATE_MESSAGE: the settings message is edited in place
    assert "Silent: on" in content_of(response)
    state = await get_subscription(world.bots[-1].herald.sessions, "discord", str(NEWS))
    assert state is not None and state.style.silent
    # A member without Manage Channels is refused, privately, and nothing changes.
    press = world.fake.component("set:silent:off", guild_id=GUILD, channel_id=NEWS, user_id=READER,
                                 permissions=NO_MANAGE)
    [refused] = await world.interact(press)
    assert ephemeral(refused) and "only admins" in content_of(refused)
    state = await get_subscription(world.bots[-1].herald.sessions, "discord", str(NEWS))
    assert state is not None and state.style.silent


async def test_discord_filter_and_digest_take_their_words_in_one_option(world: World) -> None:
    await world.start()
    await world.command("subscribe", user=MOD)
    [added] = await world.command("filter", {"filters": "+python -/crypto/"}, user=MOD)
    assert "+python" in content_of(added) and "-/crypto/" in content_of(added)
    [digest] = await world.command("digest", {"schedule": "weekly mon 08:00 Europe/Berlin"}, user=MOD)
    assert "every Monday at 08:00 (Europe/Berlin)" in content_of(digest)
    [typed] = await world.command("settings", {"name": "thumbnail", "value": "off"}, user=MOD)
    assert "Thumbnail: off" in content_of(typed)
    state = await get_subscription(world.bots[-1].herald.sessions, "discord", str(NEWS))
    assert state is not None and len(state.filters) == 2 and state.digest is not None
    assert not state.style.thumbnail
    commands = {c["name"]: c for c in world.fake.commands[str(GUILD)]}
    assert [(o["name"], o["type"]) for o in commands["filter"]["options"]] == [("filters", 3)]
    assert [(o["name"], o["type"]) for o in commands["settings"]["options"]] == [("name", 3), ("value", 3)]
    assert all(commands[name]["default_member_permissions"] == "16" for name in ("filter", "digest", "settings"))
    assert commands["digest"]["description_localizations"]["zh-CN"].startswith("改为每天或每周")


POST = "---\ntitle: Hello\ndate: 2026-02-01 10:00:00\ncategories:\n  - News\n---\n\nSome text.\n"


async def test_console_takes_settings_as_words(tmp_path: Path) -> None:
    async with ConsoleChat.open(tmp_path, posts={"hello.md": POST}) as chat:
        await chat.send("/subscribe")
        out = await chat.send("/settings silent on")
        assert "Saved." in out and "Silent: on" in out
        state = await get_subscription(chat.herald.sessions, "console", "console")
        assert state is not None and state.style.silent
        out = await chat.send("/settings volume up")
        assert "There is no setting called volume" in out
        out = await chat.send("/filter +hello")
        assert "+hello" in out
        out = await chat.send("/digest daily 08:00")
        assert "every day at 08:00" in out
