"""Admin commands in chat: queue at a time or the next free slot, list, cancel, broadcast,
approve, stats, and the clear refusals for unknown ids, bad times, drafts and removed posts."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from chat import START, ChatHarness

from bot.delivery.fanout import fan_out
from bot.store import queue
from bot.store.subscriptions import sync_config_channels
from bot.targets import Target


@pytest.fixture
def chat(sessions) -> ChatHarness:
    harness = ChatHarness(sessions, admins=["telegram:1001"])
    harness.ctx = dataclasses.replace(harness.ctx, slots=(time(9, 0), time(18, 0)))
    return harness


async def test_queue_takes_the_next_free_slots_and_lists_them(chat) -> None:
    a = await chat.add_article("Morning piece")
    b = await chat.add_article("Evening piece")
    first = await chat.send(f"/queue {a}")
    second = await chat.send(f"/queue {b}")
    assert first.text == f"Queued #1: article #{a} “Morning piece” goes out at 2026-03-01 18:00 UTC."
    assert second.text == f"Queued #2: article #{b} “Evening piece” goes out at 2026-03-02 09:00 UTC."
    listing = await chat.send("/queue")
    assert listing.text.splitlines()[:3] == [
        "Queue (2), times in UTC:",
        f"#1 · 2026-03-01 18:00 UTC · article #{a} “Morning piece”",
        f"#2 · 2026-03-02 09:00 UTC · article #{b} “Evening piece”",
    ]
    cancelled = await chat.send("/unqueue 1")
    assert cancelled.text == f"Cancelled #1: article #{a} “Morning piece” (was due 2026-03-01 18:00 UTC)."
    # The freed slot is taken again.
    assert "2026-03-01 18:00" in (await chat.send(f"/queue {a}")).text
    assert (await chat.send("/unqueue 1")).text == (
        "Queue entry #1 is cancelled; only waiting entries can be cancelled.")
    assert "no queue entry #99" in (await chat.send("/unqueue 99")).text


async def test_queue_at_a_time_in_the_configured_zone(chat) -> None:
    chat.ctx = dataclasses.replace(chat.ctx, zone=ZoneInfo("Asia/Shanghai"))
    a = await chat.add_article("Local time")
    reply = await chat.send(f"/queue {a} 2026-03-02 09:00")
    assert reply.text.endswith("goes out at 2026-03-02 09:00 CST.")
    [item] = await queue.list_queued(chat.sessions)
    assert item.due_at == START.replace(day=2, hour=1)  # 09:00 in Shanghai is 01:00 UTC
    assert "2026-03-01 21:00 CST" in (await chat.send(f"/queue {a} +1h")).text
    assert "times in Asia/Shanghai" in (await chat.send("/queue")).text


async def test_queue_without_slots_goes_out_now(chat) -> None:
    ran = []

    async def run_queue() -> None:
        ran.append(True)

    chat.ctx = dataclasses.replace(chat.ctx, slots=(), run_queue=run_queue)
    a = await chat.add_article("Right away")
    reply = await chat.send(f"/queue {a}")
    assert reply.text.endswith("goes out now.") and ran


async def test_bad_input_gets_a_clear_explanation(chat) -> None:
    a = await chat.add_article("Fine")
    draft = await chat.add_article("Unfinished", state="draft")
    gone = await chat.add_article("Deleted", state="removed")
    later = await chat.add_article("Tomorrow", state="scheduled", date=START + timedelta(days=1))
    assert "'tomorrowish' is not a time" in (await chat.send(f"/queue {a} tomorrowish")).text
    assert "is in the past" in (await chat.send(f"/queue {a} 2020-01-01 09:00")).text
    assert "There is no article #999" in (await chat.send("/queue 999")).text
    assert (await chat.send(f"/queue {draft}")).text == f"Article #{draft} is a draft; drafts are never published."
    assert "was removed" in (await chat.send(f"/broadcast {gone}")).text
    assert "is dated 2026-03-02 12:00 UTC" in (await chat.send(f"/queue {later}")).text
    assert (await chat.send("/queue abc")).text.startswith("Usage: /queue")
    assert (await chat.send("/unqueue")).text.startswith("Usage: /unqueue")
    assert await queue.list_queued(chat.sessions) == []


async def test_refusals_in_chinese(chat) -> None:
    zh = chat.where(lang="zh-CN")
    assert "没有编号为 999 的文章" in (await zh.send("/queue 999")).text
    assert (await zh.send("/queue")).text.startswith("排期为空")


async def test_a_time_that_cannot_be_used_is_explained_in_the_readers_language(chat) -> None:
    a = await chat.add_article("Fine")
    simplified = (await chat.where(lang="zh-CN").send(f"/queue {a} tomorrowish")).text
    assert simplified.startswith("「tomorrowish」不是时间") and "+30m" in simplified
    past = (await chat.where(lang="zh-CN").send(f"/queue {a} 2020-01-01 09:00")).text
    assert "已经过去了" in past and "is in the past" not in past
    traditional = (await chat.where(lang="zh-Hant").send(f"/queue {a} +400d")).text
    assert "太遠了" in traditional and "366" in traditional
    assert await queue.list_queued(chat.sessions) == []


async def test_approve_publishes_a_held_article_once(chat) -> None:
    await sync_config_channels(chat.sessions, [Target("telegram", "@news")], START)
    held = await chat.add_article("Waiting", state="held")
    reply = await chat.send(f"/approve {held}")
    assert reply.text == f"Approved article #{held} “Waiting”: published, 1 delivery queued."
    assert "already published" in (await chat.send(f"/approve {held}")).text
    assert "There is no article #5" in (await chat.send("/approve 5")).text
    latest = await chat.send("/latest")
    assert "Waiting" in latest.text


async def test_stats_show_articles_subscriptions_deliveries_and_queue(chat) -> None:
    await sync_config_channels(chat.sessions, [Target("telegram", "@news"), Target("discord", "5")], START)
    a = await chat.add_article("One")
    await chat.add_article("Two", state="held")
    await fan_out(chat.sessions, a, now=START)
    await chat.send(f"/queue {a} +1h")
    stats = await chat.send("/stats")
    assert stats.text.splitlines() == [
        "Statistics",
        "Articles: 1 published, 1 awaiting approval",
        "Subscriptions: discord 1, telegram 1",
        "Deliveries in the last day: 0 sent, 0 failed, 2 pending",
        "Queue: 1 waiting",
    ]
