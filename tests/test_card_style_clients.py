"""Card styles end to end: a subscription's `/settings` (set through the store, as chat, the CLI
and the panel do) shape what the real client libraries send to the fake Telegram and Discord
servers, while a subscription with the default style in the same run keeps the photo card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.discord.render import SUPPRESS_NOTIFICATIONS
from bot.cardstyle import CardStyle
from bot.store.subscription_options import set_lang, set_style
from bot.store.subscriptions import get_subscription, subscribe
from tests.test_discord_app import MOD, NEWS, QUIET, World, eventually, image_host, post, world
from tests.test_telegram_app import bad_sends, running, until

__all__ = ["image_host", "world"]  # fixtures the Discord test takes

IMAGE = "https://img.example.com/cover.png"
STYLED = CardStyle(silent=True, preview=False, thumbnail=False)


def _true(value: Any) -> bool:
    """Read a Bot API boolean as the fake received it (JSON true or the form value "true")."""
    return value is True or str(value).lower() in ("true", "1")


def _sends_to(tg: Any, chat: int) -> list[Any]:
    return [r for r in tg.requests if r.method.startswith("send") and str(r.params.get("chat_id")) == str(chat)]


async def test_telegram_silent_text_card_without_preview_and_photo_card_for_the_default(tmp_path: Path) -> None:
    styled, default = 31, 32
    async with running(tmp_path, site_url="https://example.com") as b:
        tg, now = b.tg, b.herald.clock.now()
        for chat in (styled, default):
            tg.add_chat(chat, type="private")
            await subscribe(b.herald.sessions, "telegram", str(chat), "private", [], "en", now)
        state = await set_style(b.herald.sessions, "telegram", str(styled), STYLED, now)
        assert state is not None and state.style == STYLED
        await b.publish("styled", "Styled news", image=IMAGE)
        await until(lambda: tg.sent_to(styled) and tg.sent_to(default))
        [text] = _sends_to(tg, styled)
        assert text.method == "sendMessage" and text.status == 200
        assert _true(text.params["disable_notification"])
        assert text.params["link_preview_options"] == {"is_disabled": True}
        [card] = tg.sent_to(styled)
        assert "photo" not in text.params and card.plain_text and "Styled news" in card.plain_text
        assert card.reply_markup and card.reply_markup["inline_keyboard"][0][0]["text"] == "Read more"
        [photo] = _sends_to(tg, default)
        assert photo.method == "sendPhoto" and photo.params["photo"] == IMAGE
        assert "disable_notification" not in photo.params
        assert card.plain_text == tg.sent_to(default)[0].plain_text  # the same words, as text
        assert bad_sends(tg) == []


async def test_telegram_card_follows_the_chats_chosen_language_not_the_subscribers(tmp_path: Path) -> None:
    chat = 41
    async with running(tmp_path, site_url="https://example.com") as b:
        tg = b.tg
        await b.say(chat, chat, "/subscribe", lang="en")
        await set_lang(b.herald.sessions, "telegram", str(chat), "zh-Hans", b.herald.clock.now())
        await b.say(chat, chat, "/subscribe", lang="en")  # again from the English client
        state = await get_subscription(b.herald.sessions, "telegram", str(chat))
        assert state is not None and state.lang == "zh-Hans" and state.lang_chosen
        before = len(tg.sent_to(chat))
        await b.publish("chosen", "Chosen language", image=None)
        await until(lambda: len(tg.sent_to(chat)) > before)
        card = tg.sent_to(chat)[-1]
        assert card.plain_text and "Chosen language" in card.plain_text and card.reply_markup
        [[button]] = card.reply_markup["inline_keyboard"]
        assert button["text"] == "阅读全文"


async def test_discord_silent_card_without_image_and_the_default_keeps_it(world: World, image_host: str) -> None:
    bot = await world.start(attach_hosts=("images.example.org",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)  # NEWS: the default style
    await world.command("subscribe", channel=QUIET, user=MOD)
    now = bot.herald.clock.now()
    assert await set_style(bot.herald.sessions, "discord", str(QUIET), STYLED, now) is not None
    post(world.content, "pic.md", title="With a picture", thumbnail=image_host)
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 2)
    by_channel = {m["channel_id"]: m for m in world.fake.messages}
    quiet, news = by_channel[QUIET], by_channel[NEWS]
    assert int(quiet["payload"].get("flags") or 0) & SUPPRESS_NOTIFICATIONS
    [embed] = quiet["payload"]["embeds"]
    assert embed["title"] == "With a picture" and "image" not in embed and "thumbnail" not in embed
    assert quiet["attachments"] == {}
    assert not int(news["payload"].get("flags") or 0) & SUPPRESS_NOTIFICATIONS
    assert news["payload"]["embeds"][0]["image"]["url"] == image_host
