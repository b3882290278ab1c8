"""/settings from chat: how a chat's cards arrive, shown with a button per option, changed by a
press or by `/settings <name> <value>`; who may change them; /subscriptions shows what is not
the default."""

from __future__ import annotations

import asyncio

import pytest
from chat import ChatHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cardstyle import CardStyle
from bot.commands.i18n import message
from bot.commands.settings_cmd import NAMES, options_of
from bot.commands.types import ACTION_MAX_BYTES
from bot.store.engine import create_engine, session_factory
from bot.store.models import Base
from bot.store.subscriptions import get_subscription

GROUP = dict(channel_id="-500", channel_kind="group")


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, admins=["telegram:42"])
    await chat.add_article("Hello", categories=["News"])
    return chat


async def state_of(chat: ChatHarness):
    return await get_subscription(chat.sessions, chat.place.platform, chat.place.channel_id)


def lines(reply) -> list[str]:
    return reply.text.splitlines()


async def test_settings_needs_a_subscription(chat) -> None:
    reply = await chat.send("/settings")
    assert reply.error and reply.text.startswith("This chat is not subscribed. Send /subscribe first")
    assert (await chat.send("/settings silent on")).error
    assert (await chat.press("set:silent:on")).error
    zh = await chat.where(lang="zh").send("/settings")
    assert zh.text.startswith("本聊天还没有订阅")


async def test_settings_shows_every_option_with_a_button_each(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/settings")
    assert not reply.error and not reply.ephemeral
    assert lines(reply)[:6] == [
        "How new articles arrive in this chat:",
        "Silent: off",
        "Link preview: on",
        "Thumbnail: on",
        "Length: normal",
        "Language: auto",
    ]
    assert "/settings silent on" not in reply.text and "silent on|off" in reply.text
    assert [(b.label, b.action) for b in reply.buttons] == [
        ("Silent: off", "set:silent:on"),
        ("Link preview: on", "set:preview:off"),
        ("Thumbnail: on", "set:thumbnail:off"),
        ("Length: normal", "set:length:short"),
        ("Language: auto", "set:lang:en"),
    ]
    assert all(len(b.action.encode()) <= ACTION_MAX_BYTES for b in reply.buttons if b.action)
    zh = await chat.where(lang="zh-TW").send("/settings")
    assert lines(zh)[1] == "靜音推播：關" and zh.buttons[0].label == "靜音推播：關"


async def test_a_press_changes_the_setting_and_answers_with_the_new_settings(chat) -> None:
    await chat.send("/subscribe")
    shown = await chat.send("/settings")
    after = await chat.press(shown.buttons[0])
    assert not after.error and "Silent: on" in lines(after)
    assert after.buttons[0].action == "set:silent:off"
    assert (await state_of(chat)).style.silent
    # Length cycles normal → short → title → normal; language auto → en → zh-Hans → zh-Hant → auto.
    for expected in ("short", "title", "normal"):
        after = await chat.press(after.buttons[3])
        assert (await state_of(chat)).style.length == expected
    for expected in ("en", "zh-Hans", "zh-Hant"):
        after = await chat.press(after.buttons[4])
        state = await state_of(chat)
        assert state.lang_chosen and state.lang == expected
    after = await chat.press(after.buttons[4])
    assert not (await state_of(chat)).lang_chosen and "Language: auto" in after.text


async def test_a_button_sets_what_it_says_even_pressed_twice(chat) -> None:
    await chat.send("/subscribe")
    shown = await chat.send("/settings")
    await chat.press(shown.buttons[0])
    await chat.press(shown.buttons[0])  # an older copy of the message: still "turn silent on"
    assert (await state_of(chat)).style.silent


async def test_typed_settings_for_platforms_without_buttons(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/settings silent on")
    assert lines(reply)[0] == "Saved." and "Silent: on" in lines(reply)
    await chat.send("/settings length short preview off thumbnail off")
    await chat.send("/settings lang zh-Hans")
    state = await state_of(chat)
    assert state.style == CardStyle(silent=True, preview=False, thumbnail=False, length="short")
    assert state.lang_chosen and state.lang == "zh-Hans"
    await chat.send("/settings LANG Auto Silent OFF")
    state = await state_of(chat)
    assert not state.lang_chosen and not state.style.silent


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/settings volume loud", "There is no setting called volume. Settings: silent, preview, thumbnail, length, lang."),
        ("/settings silent maybe", "silent takes on/off, not maybe."),
        ("/settings length long", "length takes normal/short/title, not long."),
        ("/settings lang fr", "lang takes auto/en/zh-Hans/zh-Hant, not fr."),
        ("/settings silent", "Say what silent should be: on/off."),
        ("/settings silent on length", "Say what length should be: normal/short/title."),
    ],
)
async def test_bad_settings_are_refused_and_change_nothing(chat, line, said) -> None:
    await chat.send("/subscribe")
    reply = await chat.send(line)
    assert reply.error and reply.text == said
    state = await state_of(chat)
    assert state.style == CardStyle() and not state.lang_chosen


async def test_a_long_unknown_word_is_not_echoed_whole(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/settings " + "x" * 300 + " on")
    assert reply.error and len(reply.text) < 120


async def test_forged_buttons_are_expired(chat) -> None:
    await chat.send("/subscribe")
    for action in ("set:volume:on", "set:silent:maybe", "set:length:", "set:"):
        reply = await chat.press(action)
        assert reply.error and reply.text == "This button no longer works. Please send the command again.", action
    assert (await state_of(chat)).style == CardStyle()


async def test_in_a_group_anyone_sees_the_settings_only_admins_change_them(chat) -> None:
    admin = chat.where(**GROUP, user_id="7", user_is_chat_admin=True)
    member = chat.where(**GROUP, user_id="8", user_is_chat_admin=False)
    await admin.send("/subscribe")
    seen = await member.send("/settings")
    assert not seen.error and len(seen.buttons) == 5
    refused = await member.send("/settings silent on")
    assert refused.error and refused.text == "Sorry, only admins of this chat can change its subscriptions."
    pressed = await member.press(seen.buttons[0])
    assert pressed.error and pressed.text == "Sorry, only admins of this chat can change its subscriptions."
    assert not (await state_of(admin)).style.silent
    assert "Silent: on" in (await admin.press(seen.buttons[0])).text
    assert (await state_of(admin)).style.silent
    configured = chat.where(**GROUP, user_id="42", user_is_chat_admin=False)  # HERALD_ADMINS
    await configured.send("/settings length title")
    assert (await state_of(admin)).style.length == "title"


async def test_subscriptions_shows_the_settings_that_are_not_the_default(chat) -> None:
    await chat.send("/subscribe")
    assert (await chat.send("/subscriptions")).text == "This chat gets every new article."
    await chat.send("/settings silent on length short lang zh-Hant")
    assert lines(await chat.send("/subscriptions")) == [
        "This chat gets every new article.",
        "Settings: Silent: on · Length: short · Language: zh-Hant",
    ]
    zh = await chat.where(lang="zh").send("/subscriptions")
    assert lines(zh)[1] == "推送设置：静音推送：开 · 长度：简短 · 语言：zh-Hant"


async def test_a_configured_channel_may_tune_its_cards(sessions) -> None:
    from datetime import UTC, datetime

    from bot.store.subscriptions import sync_config_channels
    from bot.targets import Target

    chat = ChatHarness(sessions, channel_id="-100", channel_kind="channel", user_is_chat_admin=True)
    await sync_config_channels(sessions, [Target("telegram", "-100")], datetime(2026, 3, 1, tzinfo=UTC))
    reply = await chat.send("/settings silent on")
    assert not reply.error and (await state_of(chat)).style.silent
    assert (await chat.send("/filter +python")).text.startswith("This channel gets every article")
    assert (await chat.send("/digest daily 08:00")).text.startswith("This channel gets every article")


# -- anything at all ------------------------------------------------------------------------------

_NAMES = st.sampled_from(["silent", "preview", "thumbnail", "length", "lang", "language", "mute", "SILENT", "volume"])
_VALUES = st.sampled_from(["on", "off", "yes", "0", "short", "normal", "title", "auto", "en", "zh-Hans", "ZH-HANT",
                           "zh", "开", "maybe", ""])
_ANY = st.text(st.characters(codec="utf-8"), max_size=80)
_WORDS = st.lists(_NAMES | _VALUES | _ANY, max_size=8)


def test_no_settings_words_or_button_data_fail_or_store_nonsense(tmp_path) -> None:
    """Arbitrary `/settings` words and `set:` button data: a short reply every time, never an
    internal error; what is stored is always one of the values the settings offer, and a reply
    that is not an error shows exactly what is stored."""
    loop = asyncio.new_event_loop()
    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")

    async def setup() -> ChatHarness:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        harness = ChatHarness(session_factory(engine))
        await harness.send("/subscribe")
        return harness

    harness = loop.run_until_complete(setup())

    @settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
    @given(words=_WORDS, action=st.tuples(_NAMES | _ANY, _VALUES | _ANY).map(":".join), lang=st.sampled_from(["en", "zh"]))
    def check(words: list[str], action: str, lang: str) -> None:
        chat = harness.where(lang=lang)
        for send in (lambda: chat.send(" ".join(["/settings", *words])), lambda: chat.press("set:" + action)):
            reply = loop.run_until_complete(send())
            assert reply.text.strip() and len(reply.text) < 700
            assert reply.text != message("error.internal", "en") and reply.text != message("error.internal", "zh")
            state = loop.run_until_complete(state_of(chat))
            assert state.style.length in ("short", "normal", "title")
            assert not state.lang_chosen or state.lang in ("en", "zh-Hans", "zh-Hant")
            if not reply.error:
                shown = options_of(state)
                assert [b.label for b in reply.buttons] == [
                    message(key, lang, value=_value_shown(shown.value(name), lang))
                    for name, key in zip(NAMES, ("settings.silent", "settings.preview", "settings.thumbnail",
                                                 "settings.length", "settings.lang"), strict=True)
                ]

    try:
        check()
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()


def _value_shown(value: str, lang: str) -> str:
    keys = {"on": "settings.on", "off": "settings.off", "auto": "settings.lang.auto", "short": "settings.length.short",
            "normal": "settings.length.normal", "title": "settings.length.title"}
    return message(keys[value], lang) if value in keys else value  # type: ignore[arg-type]
