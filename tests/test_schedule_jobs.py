"""Running the admin queue: due items are broadcast exactly once, stale ones skipped and reported."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from manual_clock import ManualClock

from bot.schedule.jobs import recover_interrupted, run_due_queue
from bot.store import queue
from bot.store.models import ArticleRow

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def make_article(sessions, key: str) -> int:
    async with sessions.begin() as session:
        row = ArticleRow(
            key=key, path=f"{key}.md", title=key, date=START, state="published", indexed_at=START,
            categories=[], tags=[], summary={},
        )
        session.add(row)
        await session.flush()
        return row.id


class Recorder:
    """A broadcast that remembers what it was asked to send."""

    def __init__(self, fail_for: set[int] | None = None) -> None:
        self.calls: list[tuple[int, str | None]] = []
        self.rounds: list[int] = []
        self.fail_for = fail_for or set()

    async def __call__(self, article_id: int, target: str | None, round_: int) -> int:
        self.calls.append((article_id, target))
        self.rounds.append(round_)
        if article_id in self.fail_for:
            raise RuntimeError("chat store unavailable")
        await asyncio.sleep(0)
        return 3


async def test_due_items_are_broadcast_and_marked_done(sessions) -> None:
    clock = ManualClock(START)
    a, b = await make_article(sessions, "a"), await make_article(sessions, "b")
    first = await queue.add(
        sessions, a, START + timedelta(minutes=10), target="telegram:@news", created_by=None, now=START
    )
    await queue.add(sessions, b, START + timedelta(hours=2), target=None, created_by=None, now=START)
    send = Recorder()

    report = await run_due_queue(sessions, now=clock.now(), broadcast=send)
    assert send.calls == [] and report.sent == ()

    report = await run_due_queue(sessions, now=clock.advance(minutes=10), broadcast=send)
    assert send.calls == [(a, "telegram:@news")]
    assert [item.id for item in report.sent] == [first.id] and report.deliveries == 3
    done = await queue.get_item(sessions, first.id)
    assert done is not None and done.status == "done" and done.done_at == clock.now()
    assert [item.article_id for item in await queue.list_queued(sessions)] == [b]


async def test_running_again_never_sends_twice(sessions) -> None:
    clock = ManualClock(START)
    a = await make_article(sessions, "a")
    await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    send = Recorder()
    await run_due_queue(sessions, now=clock.now(), broadcast=send)
    await run_due_queue(sessions, now=clock.advance(minutes=1), broadcast=send)
    assert send.calls == [(a, None)]


async def test_two_runners_at_once_send_each_item_once(sessions) -> None:
    a, b = await make_article(sessions, "a"), await make_article(sessions, "b")
    for article in (a, b, a):
        await queue.add(sessions, article, START, target=None, created_by=None, now=START)
    send = Recorder()
    await asyncio.gather(*(run_due_queue(sessions, now=START, broadcast=send) for _ in range(3)))
    assert sorted(send.calls) == sorted([(a, None), (b, None), (a, None)])


async def test_items_missed_by_more_than_the_grace_are_skipped_and_reported(sessions) -> None:
    clock = ManualClock(START)
    a, b = await make_article(sessions, "a"), await make_article(sessions, "b")
    stale = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    await queue.add(sessions, b, START + timedelta(hours=5), target=None, created_by=None, now=START)
    send = Recorder()
    # The service was down for seven hours.
    report = await run_due_queue(sessions, now=clock.advance(hours=7), broadcast=send, grace=timedelta(hours=6))
    assert send.calls == [(b, None)]
    assert [item.id for item in report.skipped] == [stale.id]
    skipped = await queue.get_item(sessions, stale.id)
    assert skipped is not None and skipped.status == "skipped"
    assert skipped.note is not None and "missed by 7h" in skipped.note and "not sent" in skipped.note


async def test_a_failing_broadcast_is_reported_and_does_not_stop_the_others(sessions) -> None:
    a, b = await make_article(sessions, "a"), await make_article(sessions, "b")
    broken = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    await queue.add(sessions, b, START, target=None, created_by=None, now=START)
    send = Recorder(fail_for={a})
    report = await run_due_queue(sessions, now=START, broadcast=send)
    assert [item.article_id for item in report.sent] == [b]
    assert [item.id for item in report.failed] == [broken.id]
    row = await queue.get_item(sessions, broken.id)
    assert row is not None and row.status == "failed" and "RuntimeError" in (row.note or "")
    await run_due_queue(sessions, now=START + timedelta(minutes=1), broadcast=send)
    assert len(send.calls) == 2  # not retried into a possible duplicate


async def test_cancelled_items_are_not_sent(sessions) -> None:
    a = await make_article(sessions, "a")
    item = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    await queue.cancel(sessions, item.id)
    send = Recorder()
    await run_due_queue(sessions, now=START, broadcast=send)
    assert send.calls == []


async def test_an_item_interrupted_by_a_crash_is_resumed_in_the_same_round(sessions) -> None:
    a = await make_article(sessions, "a")
    item = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    await queue.claim(sessions, item.id)  # the process died right after claiming
    settled = await recover_interrupted(sessions, now=START + timedelta(minutes=5))
    assert [row.id for row in settled] == [item.id]
    send = Recorder()
    await run_due_queue(sessions, now=START + timedelta(minutes=5), broadcast=send)
    assert send.calls == [(a, None)] and send.rounds == [item.id]  # same round: no duplicate rows
    row = await queue.get_item(sessions, item.id)
    assert row is not None and row.status == "done"


async def test_each_item_is_its_own_round(sessions) -> None:
    a = await make_article(sessions, "a")
    first = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    second = await queue.add(sessions, a, START, target=None, created_by=None, now=START)
    send = Recorder()
    await run_due_queue(sessions, now=START, broadcast=send)
    assert send.rounds == [first.id, second.id]
