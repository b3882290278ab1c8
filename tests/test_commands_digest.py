"""/digest from chat: daily or weekly at a time the chat chooses, in its zone or HERALD_TIMEZONE;
the reply says when the first one comes; off; who may change it; /subscriptions shows it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from chat import ChatHarness
from manual_clock import ManualClock

from bot.digests import DigestSchedule
from bot.store.subscriptions import get_subscription

# A Sunday afternoon, in winter time in Berlin (UTC+1).
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GROUP = dict(channel_id="-500", channel_kind="group")


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, clock=ManualClock(NOW), admins=["telegram:42"])
    chat.ctx = replace(chat.ctx, zone=ZoneInfo("Europe/Berlin"))
    await chat.add_article("Hello", categories=["News"])
    return chat


async def state_of(chat: ChatHarness):
    return await get_subscription(chat.sessions, chat.place.platform, chat.place.channel_id)


async def test_digest_needs_a_subscription(chat) -> None:
    reply = await chat.send("/digest daily 08:00")
    assert reply.error and reply.text.startswith("This chat is not subscribed. Send /subscribe first")
    assert (await state_of(chat)) is None


async def test_without_a_digest_it_says_so_and_how(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/digest")
    assert not reply.error
    assert reply.text.splitlines()[0] == "No digest: new articles arrive here as they are published."
    assert "/digest weekly mon 08:00" in reply.text


async def test_a_daily_digest_in_the_configured_zone(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/digest daily 08:00")
    assert reply.text.startswith("Digest set every day at 08:00 (Europe/Berlin)")
    assert "The first one comes 2026-03-02 08:00 CET" in reply.text
    state = await state_of(chat)
    assert state.digest == DigestSchedule("daily", 8, 0)
    assert state.digest_next_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    shown = await chat.send("/digest")
    assert shown.text.startswith("Digest every day at 08:00 (Europe/Berlin)")
    assert "Next: 2026-03-02 08:00 CET." in shown.text


async def test_a_weekly_digest_in_a_zone_of_its_own(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/digest weekly wed 18:30 Asia/Shanghai")
    assert reply.text.startswith("Digest set every Wednesday at 18:30 (Asia/Shanghai)")
    assert "2026-03-04 18:30 CST" in reply.text
    state = await state_of(chat)
    assert state.digest == DigestSchedule("weekly", 18, 30, 2, "Asia/Shanghai")
    assert state.digest_next_at == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    zh = await chat.where(lang="zh").send("/digest")
    assert zh.text.startswith("摘要每周三 18:30（Asia/Shanghai）")
    hant = await chat.where(lang="zh-TW").send("/digest")
    assert hant.text.startswith("摘要每週三 18:30（Asia/Shanghai）")


async def test_a_time_later_today_comes_today(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/digest daily 20:00")
    assert "2026-03-01 20:00 CET" in reply.text


async def test_digest_off_goes_back_to_every_article(chat) -> None:
    await chat.send("/subscribe")
    await chat.send("/digest daily 08:00")
    reply = await chat.send("/digest off")
    assert reply.text == "Digest off: new articles arrive here as they are published again."
    state = await state_of(chat)
    assert state.digest is None and state.digest_next_at is None
    assert (await chat.send("/digest")).text.startswith("No digest")


@pytest.mark.parametrize(
    ("line", "key_text"),
    [
        ("/digest hourly 08:00", "Send /digest daily HH:MM"),
        ("/digest daily", "Which time?"),
        ("/digest daily 25:00", "is not a time of day"),
        ("/digest weekly someday 08:00", "is not a day of the week"),
        ("/digest weekly", "Which day of the week?"),
        ("/digest daily 08:00 Mars/Olympus", "is not a time zone"),
        ("/digest off now", "Unexpected"),
    ],
)
async def test_bad_schedules_are_refused_and_change_nothing(chat, line, key_text) -> None:
    await chat.send("/subscribe")
    await chat.send("/digest daily 08:00")
    reply = await chat.send(line)
    assert reply.error and key_text in reply.text, reply.text
    assert (await state_of(chat)).digest == DigestSchedule("daily", 8, 0)


async def test_in_a_group_anyone_sees_the_digest_only_admins_change_it(chat) -> None:
    admin = chat.where(**GROUP, user_id="7", user_is_chat_admin=True)
    member = chat.where(**GROUP, user_id="8", user_is_chat_admin=False)
    await admin.send("/subscribe")
    refused = await member.send("/digest daily 08:00")
    assert refused.error and refused.text == "Sorry, only admins of this chat can change its subscriptions."
    assert (await state_of(admin)).digest is None
    assert not (await member.send("/digest")).error
    assert not (await admin.send("/digest daily 08:00")).error
    assert (await member.send("/digest")).text.startswith("Digest every day at 08:00")


async def test_subscriptions_shows_the_digest_and_when_it_comes(chat) -> None:
    await chat.send("/subscribe News")
    await chat.send("/digest weekly mon 08:00")
    assert (await chat.send("/subscriptions")).text.splitlines() == [
        "This chat gets new articles in “News”.",
        "Digest: every Monday at 08:00 (Europe/Berlin), next 2026-03-02 08:00 CET",
    ]
