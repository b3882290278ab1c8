"""Subscriptions from chat: /subscribe, /unsubscribe, /subscriptions, who may change them, and
the store underneath (one row per chat, matching by category)."""

from __future__ import annotations

import pytest
from chat import START, ChatHarness
from sqlalchemy import func, select

from bot.store.models import Subscription
from bot.store.subscriptions import (
    deactivate,
    get_subscription,
    subscribe,
    sync_config_channels,
    unsubscribe,
)
from bot.targets import Target


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, hidden=["首页"], admins=["telegram:42"])
    await chat.add_article("A", categories=["新媒体", "观察者网", "首页"])
    await chat.add_article("B", categories=["Bing 壁纸"])
    await chat.add_article("C", categories=["IT之家"], tags=["phones"])
    return chat


async def state_of(chat: ChatHarness):
    return await get_subscription(chat.sessions, chat.place.platform, chat.place.channel_id)


async def test_subscribe_to_everything(chat) -> None:
    reply = await chat.send("/subscribe")
    assert reply.text == "Subscribed: this chat will get every new article."
    state = await state_of(chat)
    assert state is not None and state.active and state.everything and state.kind == "private"
    assert (await chat.send("/subscriptions")).text == "This chat gets every new article."
    zh = chat.where(lang="zh-CN")
    assert (await zh.send("/subscribe")).text == "已订阅：本聊天将收到所有新文章。"
    assert (await zh.send("/subscriptions")).text == "本聊天接收所有新文章。"


async def test_subscriptions_before_subscribing(chat) -> None:
    assert (await chat.send("/subscriptions")).text.startswith("This chat is not subscribed.")
    assert (await chat.where(lang="zh").send("/subscriptions")).text.startswith("本聊天没有订阅。")


async def test_subscribe_to_categories_matches_known_names(chat) -> None:
    reply = await chat.send("/subscribe 观察者网 bing 壁纸")
    assert reply.text == "Subscribed: this chat will get new articles in “Bing 壁纸”, “观察者网”."
    state = await state_of(chat)
    assert state.categories == ("Bing 壁纸", "观察者网") and not state.everything
    assert (await chat.send("/subscriptions")).text == "This chat gets new articles in “Bing 壁纸”, “观察者网”."
    zh = await chat.where(lang="zh").send("/subscriptions")
    assert zh.text == "本聊天接收这些分类的新文章：“Bing 壁纸”、“观察者网”。"


async def test_subscribe_with_commas_and_full_width_names(chat) -> None:
    await chat.send("/subscribe ＩＴ之家， 观察者网")
    assert (await state_of(chat)).categories == ("IT之家", "观察者网")


async def test_subscribe_adds_to_the_existing_categories(chat) -> None:
    await chat.send("/subscribe 观察者网")
    reply = await chat.send("/subscribe IT之家")
    assert reply.text == "Subscribed: this chat will get new articles in “IT之家”, “观察者网”."
    await chat.send("/subscribe")
    assert (await state_of(chat)).everything


async def test_subscribe_to_an_unknown_category_is_accepted_with_a_hint(chat) -> None:
    reply = await chat.send("/subscribe 观察者")
    assert reply.text.splitlines() == [
        "Subscribed: this chat will get new articles in “观察者”.",
        "There are no articles in “观察者” yet.",
        "Did you mean “观察者网”?",
    ]
    zh = await chat.where(lang="zh", channel_id="2").send("/subscribe 观察者")
    assert zh.text.splitlines()[1:] == ["“观察者”分类下还没有文章。", "你是不是要找 “观察者网”？"]


async def test_subscribe_to_a_tag_needs_no_hint(chat) -> None:
    reply = await chat.send("/subscribe phones")
    assert reply.text == "Subscribed: this chat will get new articles in “phones”."


async def test_hidden_category_cannot_be_followed(chat) -> None:
    reply = await chat.send("/subscribe 首页")
    assert reply.error and reply.text == "“首页” is not a category you can follow."
    assert await state_of(chat) is None


async def test_unsubscribe_some_categories(chat) -> None:
    await chat.send("/subscribe 观察者网, IT之家, Bing 壁纸")
    reply = await chat.send("/unsubscribe it之家")
    assert reply.text == "Removed “IT之家”. This chat still gets new articles in “Bing 壁纸”, “观察者网”."
    reply = await chat.send("/unsubscribe cooking")
    assert reply.text.splitlines() == [
        "This chat does not follow “cooking”.",
        "This chat gets new articles in “Bing 壁纸”, “观察者网”.",
    ]
    assert (await state_of(chat)).categories == ("Bing 壁纸", "观察者网")


async def test_removing_the_last_category_stops_everything(chat) -> None:
    await chat.send("/subscribe 观察者网")
    reply = await chat.send("/unsubscribe 观察者网")
    assert reply.text.startswith("Removed “观察者网”. No categories are left, so this chat will get no more")
    state = await state_of(chat)
    assert not state.active and state.reason == "unsubscribed"
    assert (await chat.send("/subscriptions")).text.startswith("This chat is not subscribed.")


async def test_unsubscribing_a_category_from_everything_changes_nothing(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/unsubscribe 观察者网")
    assert reply.text.startswith("This chat gets every new article, so there is no category to remove.")
    assert (await state_of(chat)).everything
    zh = await chat.where(lang="zh").send("/unsubscribe 观察者网")
    assert zh.text.startswith("本聊天接收全部文章，没有可移除的分类。")


@pytest.mark.parametrize("text", ["/unsubscribe", "/unsubscribe all", "/unsubscribe ALL", "/unsubscribe 全部"])
async def test_unsubscribe_all(chat, text) -> None:
    await chat.send("/subscribe 观察者网")
    reply = await chat.send(text)
    assert reply.text == "Unsubscribed: this chat will get no more new articles. Send /subscribe to start again."
    assert not (await state_of(chat)).active
    again = await chat.send(text)
    assert again.text.startswith("This chat is not subscribed.")


async def test_unsubscribe_all_in_chinese(chat) -> None:
    zh = chat.where(lang="zh-Hans")
    await zh.send("/subscribe")
    assert (await zh.send("/unsubscribe")).text == "已退订：本聊天不会再收到新文章。发送 /subscribe 可重新订阅。"


async def test_subscribing_again_reactivates_with_fresh_filters(chat) -> None:
    await chat.send("/subscribe 观察者网")
    await chat.send("/unsubscribe all")
    await chat.send("/subscribe IT之家")
    state = await state_of(chat)
    assert state.active and state.reason is None and state.categories == ("IT之家",)
    async with chat.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 1


async def test_group_members_cannot_change_subscriptions(chat) -> None:
    for is_admin in (False, None):
        member = chat.where(channel_id="-100", channel_kind="group", user_id="7", user_is_chat_admin=is_admin)
        for text in ("/subscribe", "/unsubscribe", "/subscribe 观察者网"):
            reply = await member.send(text)
            assert reply.error and reply.ephemeral
            assert reply.text == "Sorry, only admins of this chat can change its subscriptions."
        assert await state_of(member) is None
        assert (await member.send("/subscriptions")).text.startswith("This chat is not subscribed.")
    zh = chat.where(channel_id="-100", channel_kind="group", user_id="7", lang="zh")
    assert (await zh.send("/subscribe")).text == "抱歉，只有本聊天的管理员可以更改订阅。"


async def test_group_admins_and_configured_admins_can_change_subscriptions(chat) -> None:
    chat_admin = chat.where(channel_id="-100", channel_kind="group", user_id="7", user_is_chat_admin=True)
    assert (await chat_admin.send("/subscribe 观察者网")).text.startswith("Subscribed")
    state = await state_of(chat_admin)
    assert state.kind == "group" and state.categories == ("观察者网",)
    bot_admin = chat.where(channel_id="-100", channel_kind="channel", user_id="42", user_is_chat_admin=False)
    assert (await bot_admin.send("/unsubscribe all")).text.startswith("Unsubscribed")
    assert not (await state_of(bot_admin)).active


async def test_configured_channels_are_managed_in_the_configuration(chat) -> None:
    await sync_config_channels(chat.sessions, [Target("telegram", "@news")], START)
    channel = chat.where(channel_id="@news", channel_kind="channel", user_is_chat_admin=True)
    assert (await channel.send("/subscriptions")).text == (
        "This channel gets every new article (set in the bot's configuration)."
    )
    for text in ("/unsubscribe", "/subscribe 观察者网"):
        reply = await channel.send(text)
        assert reply.error and "configuration" in reply.text
    assert (await state_of(channel)).everything
    await sync_config_channels(chat.sessions, [], START)
    state = await state_of(channel)
    assert not state.active and state.origin == "chat"
    assert (await channel.send("/subscribe")).text.startswith("Subscribed")


async def test_subscriptions_made_in_chat_match_articles_when_they_fan_out(sessions) -> None:
    from delivery_support import add_article, deliveries

    from bot.delivery import fan_out

    await subscribe(sessions, "telegram", "1", "private", [], "en", START)
    await subscribe(sessions, "telegram", "2", "group", ["观察者网"], "zh", START)
    await subscribe(sessions, "discord", "3", "channel", ["ＩＴ之家"], None, START)
    await subscribe(sessions, "discord", "4", "channel", ["IT之家"], None, START)
    await unsubscribe(sessions, "discord", "4", None, START)
    await subscribe(sessions, "telegram", "5", "private", [], None, START)
    assert await deactivate(sessions, "telegram", "5", "bot was blocked by the user", START)
    assert not await deactivate(sessions, "telegram", "5", "again", START)

    it_news = await add_article(sessions, title="it", categories=["it之家", "新媒体"])
    await fan_out(sessions, it_news, now=START)
    assert [(d.platform, d.channel_id) for d in await deliveries(sessions)] == [("telegram", "1"), ("discord", "3")]
    guancha = await add_article(sessions, title="gc", categories=["观察者网"])
    await fan_out(sessions, guancha, now=START)
    rows = [d for d in await deliveries(sessions) if d.article_id == guancha]
    assert [d.channel_id for d in rows] == ["1", "2"]
    assert (await get_subscription(sessions, "telegram", "5")).reason == "bot was blocked by the user"
