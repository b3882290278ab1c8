"""Fan-out: who gets an article, exactly once, and the configured broadcast channels."""

from __future__ import annotations

from delivery_support import T0, add_article, add_subscription, deliveries, subscription

from bot.delivery import delivery_counts, fan_out
from bot.store.subscriptions import sync_config_channels
from bot.targets import Target


async def test_article_reaches_unfiltered_and_matching_subscribers_only(sessions) -> None:
    article = await add_article(sessions, categories=["观察者网", "python"])
    await add_subscription(sessions, "everything")
    await add_subscription(sessions, "pythonista", categories=["python"])
    await add_subscription(sessions, "rustacean", categories=["rust"])
    await add_subscription(sessions, "both", categories=["rust", "观察者网"])
    await add_subscription(sessions, "blocked-us", active=False)

    added = await fan_out(sessions, article, now=T0)

    rows = await deliveries(sessions)
    assert added == 3
    assert sorted(r.channel_id for r in rows) == ["both", "everything", "pythonista"]
    assert all(r.status == "pending" and r.due_at == T0 and r.article_id == article for r in rows)


async def test_second_fan_out_of_the_same_article_adds_nothing(sessions) -> None:
    article = await add_article(sessions)
    for n in range(5):
        await add_subscription(sessions, f"chat{n}")

    assert await fan_out(sessions, article, now=T0) == 5
    assert await fan_out(sessions, article, now=T0) == 0
    assert len(await deliveries(sessions)) == 5


async def test_new_subscriber_gets_only_the_missing_row_on_refan(sessions) -> None:
    article = await add_article(sessions)
    await add_subscription(sessions, "early")
    await fan_out(sessions, article, now=T0)
    await add_subscription(sessions, "late")

    assert await fan_out(sessions, article, now=T0) == 1
    assert sorted(r.channel_id for r in await deliveries(sessions)) == ["early", "late"]


async def test_configured_channels_get_every_article(sessions) -> None:
    article = await add_article(sessions, categories=["politics"])
    await add_subscription(sessions, "filtered", categories=["sport"])
    targets = (Target("fake", "@news"), Target("other", "123"))

    await sync_config_channels(sessions, targets, T0)
    await sync_config_channels(sessions, targets, T0)  # idempotent
    added = await fan_out(sessions, article, now=T0)

    assert added == 2
    assert sorted((r.platform, r.channel_id) for r in await deliveries(sessions)) == [
        ("fake", "@news"),
        ("other", "123"),
    ]
    news = await subscription(sessions, "@news")
    assert news is not None and news.origin == "config" and news.active


async def test_configured_channel_is_revived_unfiltered_and_retired_when_removed(sessions) -> None:
    await add_subscription(sessions, "@news", categories=["sport"], active=False)
    article = await add_article(sessions, categories=["politics"])

    await sync_config_channels(sessions, (Target("fake", "@news"),), T0)
    assert await fan_out(sessions, article, now=T0) == 1

    await sync_config_channels(sessions, (), T0)
    retired = await subscription(sessions, "@news")
    assert retired is not None and not retired.active
    assert "HERALD_CHANNELS" in (retired.reason or "")
    later = await add_article(sessions, title="later")
    assert await fan_out(sessions, later, now=T0) == 0


async def test_fan_out_to_one_target_ignores_subscriptions(sessions) -> None:
    article = await add_article(sessions)
    await add_subscription(sessions, "subscriber")
    sub_id = await add_subscription(sessions, "@channel", categories=["unrelated"])

    assert await fan_out(sessions, article, now=T0, only=Target("fake", "@adhoc"), priority=5) == 1
    assert await fan_out(sessions, article, now=T0, only=Target("fake", "@adhoc")) == 0
    assert await fan_out(sessions, article, now=T0, only=Target("fake", "@channel")) == 1

    rows = {r.channel_id: r for r in await deliveries(sessions)}
    assert set(rows) == {"@adhoc", "@channel"}
    assert rows["@adhoc"].priority == 5 and rows["@adhoc"].subscription_id is None
    assert rows["@channel"].subscription_id == sub_id


async def test_counts_report_pending_rows(sessions) -> None:
    article = await add_article(sessions)
    for n in range(3):
        await add_subscription(sessions, f"chat{n}")
    await fan_out(sessions, article, now=T0)

    assert await delivery_counts(sessions, T0) == {"sent": 0, "failed": 0, "pending": 3}
