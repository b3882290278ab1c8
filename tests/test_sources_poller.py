"""Polling feed and git sources into the index (`bot.sources.poller`, `bot.sources.apply`) with the
fetcher replaced by a scripted one: what a user of a feed bot notices — adding a source sends nothing
old, a new entry reaches every subscriber once, an edit edits, a deleted file is removed (git) but
an entry that dropped off a feed is not, a failing source backs off and recovers, and a source can
never overwrite another's article. SQLite and PostgreSQL alike."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from delivery_support import T0, add_subscription, deliveries
from manual_clock import ManualClock
from sqlalchemy import select

import bot.sources.poller as poller_module
from bot.content.article import Article
from bot.content.config import ContentConfig
from bot.delivery.edits import EditPolicy
from bot.delivery.fanout import announce
from bot.sources.model import Entry, Poll, PollContext, SourceFailure, Unchanged
from bot.sources.poller import MAX_BACKOFF, SourcePoller, backoff
from bot.sources.spec import parse_spec
from bot.store import sources as store
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.summary import SummaryConfig, summarize


def _entry(ident: str, title: str, date: datetime, *, body: str = "Some text.") -> Entry:
    article = Article(key=ident, path=ident, title=title, date=date, body=body, url=f"https://blog.example/{ident}")
    digest = f"{title}|{body}|{date.isoformat()}"
    return Entry(ident, digest, article, summarize(article, SummaryConfig()))


class Script:
    """The fetcher: each poll returns the next scripted answer (a list of entries, Unchanged, or an error)."""

    def __init__(self) -> None:
        self.answers: list[object] = []
        self.calls: list[Mapping[str, str]] = []

    async def __call__(self, spec, state, ctx, known=None):
        self.calls.append(dict(known or {}))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, Unchanged):
            return answer
        entries, complete = answer
        entries = tuple(
            Entry(e.ident, e.digest, None, None, same=True) if (known or {}).get(e.ident) == e.digest else e
            for e in entries
        )
        return Poll(entries, complete, {"etag": str(len(self.calls))})


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    fake = Script()
    monkeypatch.setattr(poller_module, "poll_source", fake)
    return fake


def _poller(sessions, clock, announced: list[int], **options) -> SourcePoller:
    async def on_publish(article_id: int) -> None:
        announced.append(article_id)
        await announce(sessions, article_id, now=clock.now())

    ctx = PollContext(ContentConfig(root=Path("/nonexistent")), SummaryConfig(), clock, Path("/nonexistent"))
    return SourcePoller(
        sessions, ctx, interval=600, on_publish=on_publish, rng=random.Random(1),
        edits=EditPolicy(window=3600, delete_removed=True), **options,
    )


async def _poll(sessions, poller: SourcePoller, name: str = "blog"):
    status = await store.get_source(sessions, name)
    assert status is not None
    return await poller.poll(status)


async def _rows(sessions, source: str = "blog") -> dict[str, ArticleRow]:
    async with sessions() as session:
        rows = (await session.scalars(select(ArticleRow).where(ArticleRow.source == source))).all()
    return {row.path: row for row in rows}


async def test_adding_a_source_sends_nothing_old_and_a_new_entry_reaches_each_subscriber_once(sessions, script) -> None:
    clock = ManualClock(T0)
    for chat in ("1", "2", "3"):
        await add_subscription(sessions, chat)
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    announced: list[int] = []
    poller = _poller(sessions, clock, announced)
    old = [_entry(f"post-{i}", f"Old {i}", T0 - timedelta(days=i + 1)) for i in range(30)]
    script.answers = [(old, False)]
    report = await _poll(sessions, poller)
    assert report is not None and len(report.new) == 30 and report.published == []
    assert await deliveries(sessions) == []
    rows = await _rows(sessions)
    assert {row.state for row in rows.values()} == {ArticleState.PUBLISHED}
    assert rows["post-0"].key == "blog/post-0"
    status = await store.get_source(sessions, "blog")
    assert status is not None and status.primed_at == T0 and status.entries == 30 and status.articles == 30
    assert status.state == {"etag": "1"}

    clock.advance(600)
    fresh = _entry("post-new", "Brand new", clock.now() - timedelta(minutes=5))
    script.answers = [([fresh, *old[:29]], False), ([fresh, *old[:29]], False)]
    report = await _poll(sessions, poller)
    assert report is not None and report.published == report.new and len(report.new) == 1
    assert report.unchanged == 29  # unparsed: the index's digests were handed to the fetcher
    sent = await deliveries(sessions)
    assert sorted(d.channel_id for d in sent) == ["1", "2", "3"]
    again = await _poll(sessions, poller)  # the same feed once more: nothing new, nothing sent
    assert again is not None and again.new == again.updated == [] and again.unchanged == 30
    assert len(await deliveries(sessions)) == 3
    assert "post-29" in (await _rows(sessions))  # dropped off the feed: still there
    assert (await _rows(sessions))["post-29"].state == ArticleState.PUBLISHED


async def test_an_old_entry_appearing_later_is_recorded_not_sent(sessions, script) -> None:
    clock = ManualClock(T0)
    await add_subscription(sessions, "1")
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    announced: list[int] = []
    poller = _poller(sessions, clock, announced)
    script.answers = [([_entry("a", "A", T0 - timedelta(hours=1))], False)]
    await _poll(sessions, poller)
    clock.advance(3600)
    script.answers = [([_entry("ancient", "From 2019", datetime(2019, 5, 1, tzinfo=UTC))], False)]
    report = await _poll(sessions, poller)
    assert report is not None and len(report.new) == 1 and report.published == []
    assert announced == [] and await deliveries(sessions) == []


async def test_a_changed_entry_is_updated_and_edits_the_messages_sent(sessions, script) -> None:
    clock = ManualClock(T0)
    await add_subscription(sessions, "1")
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    announced: list[int] = []
    poller = _poller(sessions, clock, announced)
    script.answers = [([], False)]
    await _poll(sessions, poller)
    entry = _entry("p", "Typo titel", T0)
    script.answers = [([entry], False)]
    await _poll(sessions, poller)
    async with sessions.begin() as session:  # pretend it was sent
        for row in await deliveries(sessions):
            merged = await session.merge(row)
            merged.status, merged.message_id, merged.sent_at = "sent", "77", clock.now()
    clock.advance(60)
    script.answers = [([_entry("p", "Typo title", T0)], False)]
    report = await _poll(sessions, poller)
    assert report is not None and len(report.updated) == 1 and report.new == [] and report.changes == 1
    assert (await _rows(sessions))["p"].title == "Typo title"
    actions = sorted(d.action for d in await deliveries(sessions))
    assert actions == ["edit", "send"]  # an edit, never a second message


async def test_a_repository_poll_removes_deleted_files_and_keeps_a_renamed_posts_id(sessions, script) -> None:
    clock = ManualClock(T0)
    await store.sync_configured(sessions, [parse_spec("site=git+https://git.example/site.git#main:posts")], clock.now())
    poller = _poller(sessions, clock, [])
    a, b = _entry("a.md", "A", T0), _entry("b.md", "B", T0)
    script.answers = [([a, b], True)]
    await _poll(sessions, poller, "site")
    before = await _rows(sessions, "site")
    moved = Entry("2026/b.md", b.digest, b.article, b.summary)  # same key ("b.md"), new path
    script.answers = [([moved], True)]
    report = await _poll(sessions, poller, "site")
    assert report is not None
    after = await _rows(sessions, "site")
    assert after["a.md"].state == ArticleState.REMOVED
    assert after["2026/b.md"].id == before["b.md"].id and after["2026/b.md"].state == ArticleState.PUBLISHED


async def test_a_source_never_overwrites_the_folders_article(sessions, script) -> None:
    clock = ManualClock(T0)
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    async with sessions.begin() as session:
        session.add(ArticleRow(
            key="blog/x", path="blog/x.md", title="Mine", date=T0, categories=[], tags=[], summary={},
            state=ArticleState.PUBLISHED, indexed_at=T0,
        ))  # fmt: skip
    poller = _poller(sessions, clock, [])
    script.answers = [([_entry("x", "Theirs", T0)], False)]
    report = await _poll(sessions, poller)
    assert report is not None and report.new == [] and any("same id 'blog/x'" in str(p) for p in report.problems)
    async with sessions() as session:
        titles = (await session.scalars(select(ArticleRow.title))).all()
    assert titles == ["Mine"]


async def test_a_failing_source_backs_off_then_recovers_and_a_304_writes_no_article(sessions, script) -> None:
    clock = ManualClock(T0)
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    poller = _poller(sessions, clock, [])
    script.answers = [([_entry("a", "A", T0)], False)]
    await _poll(sessions, poller)
    waits = []
    for _ in range(5):  # an hour and more of 500s
        script.answers = [SourceFailure("the server answered 500", state={"url": "https://new.example/feed"})]
        status = await store.get_source(sessions, "blog")
        assert status is not None
        clock.advance((status.next_fetch_at - clock.now()).total_seconds())
        await poller.poll(status)
        status = await store.get_source(sessions, "blog")
        assert status is not None and status.last_error == "the server answered 500"
        waits.append((status.next_fetch_at - clock.now()).total_seconds())
    assert status.failures == 5 and status.state["url"] == "https://new.example/feed"
    assert all(later > earlier for earlier, later in pairwise(waits))
    assert waits[-1] <= MAX_BACKOFF * 1.1
    script.answers = [Unchanged({"etag": "e2"})]
    clock.advance(waits[-1])
    status = await store.get_source(sessions, "blog")
    assert status is not None
    assert await poller.poll(status) is None
    status = await store.get_source(sessions, "blog")
    assert status is not None and status.failures == 0 and status.last_error is None and status.state == {"etag": "e2"}
    assert 540 <= (status.next_fetch_at - clock.now()).total_seconds() <= 660  # the interval again, ±10 %
    assert len(await _rows(sessions)) == 1


def test_backoff_doubles_per_failure_up_to_a_cap_and_honours_retry_after() -> None:
    assert backoff(600, 1) == 600 and backoff(600, 2) == 1200 and backoff(600, 3) == 2400
    assert backoff(600, 40) == MAX_BACKOFF
    assert backoff(600, 1, retry_after=7200) == 7200
    assert backoff(600, 1, retry_after=10**9) == 86400


async def test_look_polls_every_due_source_and_a_broken_one_does_not_stop_the_others(sessions, script) -> None:
    clock = ManualClock(T0)
    specs = [parse_spec(f"feed{i}=https://blog.example/{i}.xml") for i in range(5)]
    await store.sync_configured(sessions, specs, clock.now())
    poller = _poller(sessions, clock, [])
    script.answers = [([], False), RuntimeError("bug"), ([], False), ([], False), ([], False)]
    assert await poller.look() == 5
    statuses = {s.name: s for s in await store.list_sources(sessions)}
    assert sorted(s.failures for s in statuses.values()) == [0, 0, 0, 0, 1]
    assert all(s.next_fetch_at > clock.now() for s in statuses.values())
    assert await poller.look() == 0  # nothing due now


async def test_a_poll_keeps_a_push_subscription_confirmed_while_it_ran(sessions, script) -> None:
    clock = ManualClock(T0)
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    poller = _poller(sessions, clock, [])
    status = await store.get_source(sessions, "blog")
    assert status is not None

    async def confirmed_meanwhile(spec, state, ctx, known=None):  # the hub verifies during the fetch
        await store.merge_state(sessions, "blog", {"websub_mode": "subscribed", "websub_secret": "s"})
        return Unchanged({**state, "etag": "e1", "websub_mode": "pending"})  # the poll's stale copy

    poller_module.poll_source = confirmed_meanwhile  # type: ignore[assignment]  # restored by the fixture
    await poller.poll(status)
    status = await store.get_source(sessions, "blog")
    assert status is not None
    assert status.state == {"etag": "e1", "websub_mode": "subscribed", "websub_secret": "s"}


async def test_admins_are_told_once_when_a_source_keeps_failing_and_once_when_it_works_again(sessions, script) -> None:
    clock = ManualClock(T0)
    await store.sync_configured(sessions, [parse_spec("blog=https://blog.example/feed.xml")], clock.now())
    alarms: list[tuple[str, int, str | None]] = []
    poller = _poller(sessions, clock, [], on_alarm=lambda *told: alarms.append(told))
    for _ in range(6):
        script.answers = [SourceFailure("the server answered 503")]
        await _poll(sessions, poller)
    assert alarms == [("blog", 3, "the server answered 503")]
    script.answers = [([], False), ([], False)]
    await _poll(sessions, poller)
    await _poll(sessions, poller)
    assert alarms[1:] == [("blog", 0, None)]
