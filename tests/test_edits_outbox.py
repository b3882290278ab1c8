"""Edits and deletions in the outbox: which messages a change reaches (sent, in the window, not a
digest), how revisions replace each other, and how the engine sends them: the new text, through
the same rate limits and retries, a refused edit dropped once. SQLite and PostgreSQL alike."""

from __future__ import annotations

import random
from datetime import timedelta

from delivery_support import T0, FakeOutlet, add_article, add_subscription, deliveries
from manual_clock import ManualClock
from sqlalchemy import update

from bot.delivery import DeliveryEngine, Rate, RateLimited, RateLimits, Transient, fan_out
from bot.delivery.edits import EditPolicy, card_changes, plan_deletes, plan_edits
from bot.delivery.errors import Ambiguous, Stale
from bot.store.models import ArticleRow, Delivery
from bot.summary.model import Summary

FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())
POLICY = EditPolicy(window=3600, delete_removed=True)


def _engine(sessions, outlet: FakeOutlet, clock, **options) -> DeliveryEngine:
    return DeliveryEngine(
        sessions, {outlet.name: outlet}, clock=clock, limits={outlet.name: FAST}, worker_id="w1",
        rng=random.Random(3), **options,
    )  # fmt: skip


async def _sent_article(sessions, clock, outlet, channels: list[str], title: str = "Old title") -> int:
    """Publish an article to these channels and send it."""
    article = await add_article(sessions, title=title)
    for channel in channels:
        await add_subscription(sessions, channel)
    await fan_out(sessions, article, now=clock.now())
    await _engine(sessions, outlet, clock).drain()
    return article


async def _retitle(sessions, article: int, title: str) -> None:
    async with sessions.begin() as session:
        row = await session.get(ArticleRow, article)
        row.title = title
        row.summary = {**row.summary, "title": title}


async def _plan(sessions, changed: dict[int, bool], now, policy: EditPolicy = POLICY) -> int:
    async with sessions.begin() as session:
        return await plan_edits(session, changed, now=now, policy=policy)


def test_only_a_changed_card_is_a_change_and_an_image_change_is_told_apart() -> None:
    old = Summary(1, "k", "Title", "Text.", T0, image="https://a/1.png")
    same = Summary(1, "k", "Title", "Text.", T0, image="https://a/1.png")
    retitled = Summary(1, "k", "Title!", "Text.", T0, image="https://a/1.png")
    repictured = Summary(1, "k", "Title", "Text.", T0, image="https://a/2.png")
    before = {1: old, 2: old, 3: old}
    assert card_changes(before, {1: same, 2: retitled, 3: repictured}) == {2: False, 3: True}


async def test_a_change_edits_the_sent_messages_with_the_new_text_and_nothing_else(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _sent_article(sessions, clock, outlet, ["1", "2", "-3"])
    await add_subscription(sessions, "late")  # subscribed after: no message to edit
    clock.advance(60)
    await _retitle(sessions, article, "New title")
    assert await _plan(sessions, {article: False}, clock.now()) == 3
    await _engine(sessions, outlet, clock).drain()
    assert sorted((c, t) for c, _, t, _ in outlet.edited) == [("-3", "<b>New title</b>"), ("1", "<b>New title</b>"),
                                                              ("2", "<b>New title</b>")]
    sends = {s.channel_id: s for s in outlet.sent}
    assert len(outlet.sent) == 3  # no new message
    rows = await deliveries(sessions)
    edits = [r for r in rows if r.action == "edit"]
    assert {r.status for r in edits} == {"sent"}
    assert {(r.channel_id, r.message_id) for r in edits} == {
        (r.channel_id, r.message_id) for r in rows if r.action == "send"
    }
    assert {c for c, *_ in outlet.edited} == set(sends)


async def test_only_sent_messages_of_the_window_are_edited_never_a_digest_or_a_pending_send(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _sent_article(sessions, clock, outlet, ["old", "fresh", "failed", "ambiguous", "digest"])
    async with sessions.begin() as session:
        rows = {r.channel_id: r for r in await deliveries(sessions)}
        await session.execute(update(Delivery).where(Delivery.id == rows["old"].id).values(sent_at=T0 - timedelta(hours=2)))
        await session.execute(update(Delivery).where(Delivery.id == rows["failed"].id).values(status="failed"))
        await session.execute(update(Delivery).where(Delivery.id == rows["ambiguous"].id).values(message_id=""))
        await session.execute(update(Delivery).where(Delivery.id == rows["digest"].id).values(round=-5))
    await add_subscription(sessions, "waiting")
    await fan_out(sessions, article, now=clock.now(), round=0)  # a pending send: rendered fresh anyway
    assert await _plan(sessions, {article: False}, clock.now()) == 1
    rows = await deliveries(sessions)
    assert [r.channel_id for r in rows if r.action != "send"] == ["fresh"]
    assert await _plan(sessions, {article: False}, clock.now(), EditPolicy(window=0)) == 0


async def test_a_newer_revision_replaces_a_waiting_edit_and_keeps_its_image_change(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _sent_article(sessions, clock, outlet, ["1", "2"])
    assert await _plan(sessions, {article: True}, clock.now()) == 2  # the image changed
    assert await _plan(sessions, {article: False}, clock.now()) == 2  # same moment: still a newer revision
    rows = [r for r in await deliveries(sessions) if r.action != "send"]
    first, second = sorted({r.revision for r in rows})
    assert second > first
    assert {(r.revision, r.action, r.status) for r in rows} == {(first, "media", "dropped"), (second, "media", "pending")}
    await _engine(sessions, outlet, clock).drain()
    assert sorted((c, media) for c, _, _, media in outlet.edited) == [("1", True), ("2", True)]  # once each


async def test_a_refused_edit_is_dropped_once_and_a_throttled_one_waits_its_turn(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _sent_article(sessions, clock, outlet, ["gone", "busy", "flaky", "unsure"])
    outlet.script = {
        "gone": [Stale("message to edit not found")],
        "busy": [RateLimited(5)],
        "flaky": [Transient("timeout")],
        "unsure": [Ambiguous("read timeout")],
    }
    await _retitle(sessions, article, "New title")
    await _plan(sessions, {article: False}, clock.now())
    engine = _engine(sessions, outlet, clock, base_backoff=1.0)
    await engine.drain()
    for _ in range(5):
        clock.advance(10)
        await engine.drain()
    rows = {r.channel_id: r for r in await deliveries(sessions) if r.action != "send"}
    assert rows["gone"].status == "dropped" and "not found" in rows["gone"].error
    assert [c for c, _ in outlet.tried].count("gone") == 2  # the send, then the edit: once
    assert {rows[c].status for c in ("busy", "flaky", "unsure")} == {"sent"}
    assert sorted(c for c, *_ in outlet.edited) == ["busy", "flaky"]  # "unsure" may have arrived


async def test_a_deleted_post_deletes_its_messages_only_when_asked(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _sent_article(sessions, clock, outlet, ["1", "2"])
    async with sessions.begin() as session:
        assert await plan_deletes(session, [article], now=clock.now(), policy=EditPolicy()) == 0
        assert await plan_deletes(session, [article], now=clock.now(), policy=POLICY) == 2
    await _engine(sessions, outlet, clock).drain()
    sends = {r.channel_id: r.message_id for r in await deliveries(sessions) if r.action == "send"}
    assert sorted(outlet.deleted) == sorted(sends.items())
