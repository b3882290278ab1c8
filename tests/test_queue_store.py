"""The admin queue store: items wait in time order, cancel only what still waits, claims are exclusive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from manual_clock import ManualClock

from bot.store import queue
from bot.store.models import ArticleRow
from bot.store.states import ArticleState

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def make_article(sessions, key: str = "a") -> int:
    async with sessions.begin() as session:
        row = ArticleRow(
            key=key, path=f"{key}.md", title=f"Title {key}", date=NOW, state=ArticleState.PUBLISHED, indexed_at=NOW,
            categories=[], tags=[], summary={},
        )
        session.add(row)
        await session.flush()
        return row.id


async def test_added_items_are_listed_soonest_first(sessions) -> None:
    article = await make_article(sessions)
    later = await queue.add(sessions, article, NOW + timedelta(hours=5), target=None, created_by="telegram:1", now=NOW)
    sooner = await queue.add(
        sessions, article, NOW + timedelta(hours=1), target="discord:42", created_by="discord:9", now=NOW
    )
    listed = await queue.list_queued(sessions)
    assert [item.id for item in listed] == [sooner.id, later.id]
    assert listed[0].target == "discord:42" and listed[0].created_by == "discord:9"
    assert listed[0].due_at == NOW + timedelta(hours=1) and listed[0].due_at.tzinfo is not None
    assert listed[0].status == "queued"
    assert await queue.queue_length(sessions) == 2


async def test_times_in_any_zone_are_stored_as_the_same_instant(sessions) -> None:
    from zoneinfo import ZoneInfo

    article = await make_article(sessions)
    local = datetime(2026, 6, 1, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    await queue.add(sessions, article, local, target=None, created_by=None, now=NOW)
    assert await queue.taken_slots(sessions) == {datetime(2026, 6, 1, 13, 0, tzinfo=UTC)}


async def test_queueing_an_unknown_article_is_refused(sessions) -> None:
    with pytest.raises(LookupError, match="no article 999"):
        await queue.add(sessions, 999, NOW, target=None, created_by=None, now=NOW)
    assert await queue.queue_length(sessions) == 0


async def test_cancel_removes_only_waiting_items(sessions) -> None:
    article = await make_article(sessions)
    item = await queue.add(sessions, article, NOW + timedelta(hours=1), target=None, created_by=None, now=NOW)
    cancelled = await queue.cancel(sessions, item.id, now=NOW)
    assert cancelled is not None and cancelled.id == item.id and cancelled.status == "cancelled"
    assert await queue.list_queued(sessions) == []
    assert await queue.cancel(sessions, item.id) is None  # already cancelled
    assert await queue.cancel(sessions, 12345) is None  # never existed


async def test_a_sent_item_cannot_be_cancelled(sessions) -> None:
    article = await make_article(sessions)
    item = await queue.add(sessions, article, NOW, target=None, created_by=None, now=NOW)
    await queue.mark(sessions, item.id, "done", now=NOW, note="3 deliveries queued")
    assert await queue.cancel(sessions, item.id) is None
    done = await queue.get_item(sessions, item.id)
    assert done is not None and done.status == "done" and done.done_at == NOW and done.note == "3 deliveries queued"


async def test_taken_slots_are_the_times_of_waiting_items(sessions) -> None:
    article = await make_article(sessions)
    first = await queue.add(sessions, article, NOW + timedelta(hours=1), target=None, created_by=None, now=NOW)
    await queue.add(sessions, article, NOW + timedelta(hours=2), target=None, created_by=None, now=NOW)
    await queue.cancel(sessions, first.id)
    assert await queue.taken_slots(sessions) == {NOW + timedelta(hours=2)}


async def test_due_items_are_those_whose_time_has_come(sessions) -> None:
    clock = ManualClock(NOW)
    article = await make_article(sessions)
    soon = await queue.add(sessions, article, NOW + timedelta(minutes=30), target=None, created_by=None, now=NOW)
    await queue.add(sessions, article, NOW + timedelta(hours=3), target=None, created_by=None, now=NOW)
    assert await queue.due_items(sessions, clock.now()) == []
    due = await queue.due_items(sessions, clock.advance(minutes=30))
    assert [item.id for item in due] == [soon.id]


async def test_a_claim_succeeds_once(sessions) -> None:
    article = await make_article(sessions)
    item = await queue.add(sessions, article, NOW, target=None, created_by=None, now=NOW)
    claimed = await queue.claim(sessions, item.id)
    assert claimed is not None and claimed.status == "sending"
    assert await queue.claim(sessions, item.id) is None
    assert await queue.due_items(sessions, NOW) == []
    assert await queue.cancel(sessions, item.id) is None  # too late to cancel


async def test_mark_rejects_unknown_statuses_and_respects_expected(sessions) -> None:
    article = await make_article(sessions)
    item = await queue.add(sessions, article, NOW, target=None, created_by=None, now=NOW)
    with pytest.raises(ValueError, match="unknown queue status"):
        await queue.mark(sessions, item.id, "gone", now=NOW)
    assert await queue.mark(sessions, item.id, "done", now=NOW, expected="sending") is None
    assert await queue.mark(sessions, 999, "done", now=NOW) is None


async def test_deleting_the_article_deletes_its_queue_items(sessions) -> None:
    from sqlalchemy import delete

    article = await make_article(sessions)
    await queue.add(sessions, article, NOW, target=None, created_by=None, now=NOW)
    async with sessions.begin() as session:
        await session.execute(delete(ArticleRow).where(ArticleRow.id == article))
    assert await queue.queue_length(sessions) == 0
