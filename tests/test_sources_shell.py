"""`herald source list|add|remove|check` from the shell, on the database a running Herald reads:
the folder listed first, addresses never showing credentials, a token of HERALD_GIT_TOKENS never
printed, clear refusals (exit 2), and `check` polling once (poll_source stands in for the fetchers)
without writing anything: a stored source's state makes a 304 show as unchanged, a failure exits 1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from chat import ChatHarness
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.content.article import Article, Problem, ProblemKind
from bot.sources import shell
from bot.sources.model import Entry, Poll, PollContext, SourceFailure, Unchanged
from bot.sources.spec import SourceSpec
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, SourceRow
from bot.store.sources import get_source, record_success
from bot.summary import SummaryConfig, summarize

T = TypeVar("T")
TOKEN = "ghp_s3cr3tT0kenValue"
FEED = "https://example.org/atom.xml"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder and a SQLite database a `herald run` would use, named by the environment."""
    content = tmp_path / "content"
    content.mkdir()
    for key, value in {
        "HERALD_CONTENT_DIR": str(content), "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'herald.db'}",
        "HERALD_TIMEZONE": "Asia/Shanghai", "HERALD_HTTP_PORT": "0", "HERALD_DATA_DIR": str(tmp_path / "state"), "HERALD_GIT_TOKENS": f"posts={TOKEN},other=zzz",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HERALD_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def with_store(site: Path, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(f"sqlite:///{site / 'db' / 'herald.db'}")
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def add_articles(site: Path, count: int, source: str | None) -> None:
    """Index `count` published articles, from `source` (None: the content folder)."""

    async def work(sessions: async_sessionmaker[AsyncSession]) -> None:
        chat = ChatHarness(sessions)
        for n in range(count):
            article_id = await chat.add_article(f"{source} post {n}", key=f"{source}/{n}")
            async with sessions.begin() as session:
                await session.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(source=source))

    with_store(site, work)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def entry(n: int, *, title: str | None = None, date: datetime | None = None) -> Entry:
    article = Article(key=f"e{n}", path=f"e{n}", title=title or f"Entry {n}",
                      date=date or datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=n), body="<p>Body.</p>")
    return Entry(f"id-{n}", f"digest-{n}", article, summarize(article, SummaryConfig()))


class FakePoll:
    """Stands in for `poll_source`: records what it was given and answers what the test set."""

    def __init__(self, answer: Poll | Unchanged | SourceFailure) -> None:
        self.answer = answer
        self.calls: list[tuple[SourceSpec, Mapping[str, str], PollContext, Mapping[str, str]]] = []

    async def __call__(self, spec: SourceSpec, state: Mapping[str, str], ctx: PollContext,
                       known: Mapping[str, str] | None = None) -> Poll | Unchanged:
        self.calls.append((spec, dict(state), ctx, dict(known or {})))
        if isinstance(self.answer, SourceFailure):
            raise self.answer
        return self.answer


def fake_poll(monkeypatch: pytest.MonkeyPatch, answer: Poll | Unchanged | SourceFailure) -> FakePoll:
    fake = FakePoll(answer)
    monkeypatch.setattr(shell, "poll_source", fake)
    return fake


def table(out: str) -> dict[str, list[str]]:
    return {line.split("\t")[0].strip(): line.split("\t") for line in out.splitlines()[1:]}


# ---- add, list, remove -------------------------------------------------------------------------


def test_add_list_remove(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "source", "add", f"blog@15m={FEED}")
    assert status == 0
    assert out.startswith(f"added source blog (feed, {FEED}): a running `herald run` polls it within 30 seconds")
    assert "recorded, not sent" in out
    status, out, _ = run(capsys, "source", "add", "posts=git+https://git.example.org/o/site.git#main:source/_posts")
    assert status == 0
    add_articles(site, 2, None)
    add_articles(site, 3, "blog")

    status, out, _ = run(capsys, "source", "list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "sources: 3 (times in Asia/Shanghai)"
    assert [line.split("\t")[0].strip() for line in lines[1:]] == ["content", "blog", "posts"]  # the folder first
    rows = table(out)
    assert rows["content"][1:] == ["folder", "2 articles", "watched, not polled", str(site / "content")]
    blog = rows["blog"]
    assert blog[1:4] == ["feed", "3 articles", "cli"]
    assert blog[4] == "last fetch never" and blog[5].startswith("next fetch 20") and blog[5].endswith("CST")
    assert blog[6:] == ["not polled yet", FEED]
    assert rows["posts"][-1] == "git+https://git.example.org/o/site.git#main:source/_posts"

    status, out, _ = run(capsys, "source", "remove", "blog")
    assert (status, out.strip()) == (
        0, "removed source blog: 3 articles marked removed (they leave /latest; messages already sent stay)",
    )
    status, out, _ = run(capsys, "source", "list")
    assert list(table(out)) == ["content", "posts"]


def test_the_interval_of_an_entry_is_kept(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "source", "add", f"blog@15m={FEED}")[0] == 0
    stored = with_store(site, lambda sessions: get_source(sessions, "blog"))
    assert stored is not None and stored.spec is not None and stored.spec.interval == 900
    assert stored.origin == "cli" and stored.next_fetch_at is not None  # due at once: polled at the next tick


def test_a_failing_source_shows_its_failures_and_last_error_on_one_line(
    site: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "source", "add", f"blog={FEED}")[0] == 0

    async def fail(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions.begin() as session:
            await session.execute(update(SourceRow).values(
                failures=3, last_error="HTTP 500\nfrom example.org", last_fetch_at=datetime(2026, 3, 1, 4, tzinfo=UTC),
            ))

    with_store(site, fail)
    _status, out, _ = run(capsys, "source", "list")
    blog = table(out)["blog"]
    assert blog[4] == "last fetch 2026-03-01 12:00 CST"
    assert blog[6] == "3 failures: HTTP 500 from example.org"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("add", "blog"), "is not name=URL-or-path"),
        (("add", "Bad Name=https://example.org/f"), "source name 'bad name'"),
        (("add", "blog=ftp://example.org/f"), "only http(s) feeds"),
        (("add", "local=./elsewhere"), "is a folder; `herald source add` takes feeds"),
        (("add", f"content={FEED}"), "content is the name of the content folder"),
        (("add", "x=git+https://me:pw@git.example.org/r.git"), "put no credentials in the URL"),
        (("remove", "nope"), "there is no source named 'nope'"),
        (("remove", "content"), "content is the content folder"),
        (("check", "nope"), "there is no source named 'nope'"),
        (("check", "content"), "content is the content folder"),
        (("check", "local=./elsewhere"), "a folder is not polled"),
    ],
)
def test_refusals_exit_2_with_a_clear_message(
    site: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str,
) -> None:
    status, out, err = run(capsys, "source", *argv)
    assert status == 2 and out == ""
    assert err.startswith("herald: ") and said in err
    assert "me:pw" not in err


def test_an_existing_name_is_refused(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "source", "add", f"blog={FEED}")[0] == 0
    status, _, err = run(capsys, "source", "add", "blog=https://other.example.org/rss")
    assert status == 2 and "there is a source named blog already" in err
    stored = with_store(site, lambda sessions: get_source(sessions, "blog"))
    assert stored is not None and stored.spec is not None and stored.spec.location == FEED


def test_a_source_of_herald_sources_is_removed_there(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HERALD_SOURCES", f"site=./content,blog={FEED}")
    status, _, err = run(capsys, "source", "remove", "blog")
    assert status == 2 and "blog comes from HERALD_SOURCES: remove it from HERALD_SOURCES" in err
    status, _, err = run(capsys, "source", "add", "blog=https://other.example.org/rss")
    assert status == 2 and "blog is in HERALD_SOURCES already" in err

    async def synced(sessions: async_sessionmaker[AsyncSession]) -> None:  # as `herald run` does at start
        from bot.sources.spec import parse_spec
        from bot.store.sources import sync_configured

        await sync_configured(sessions, [parse_spec(f"blog={FEED}")], datetime.now(UTC))

    assert run(capsys, "source", "list")[0] == 0  # migrates the database
    with_store(site, synced)
    monkeypatch.delenv("HERALD_SOURCES")  # even when the row is all that says so
    status, _, err = run(capsys, "source", "remove", "blog")
    assert status == 2 and "remove it from HERALD_SOURCES" in err


def test_credentials_in_an_address_are_never_shown(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "source", "add", "blog=https://reader:hunter2@example.org/feed.xml?api_key=K3Y&page=2")
    assert status == 0
    listed = run(capsys, "source", "list")[1]
    for text in (out, listed):
        assert "hunter2" not in text and "K3Y" not in text and "reader" not in text
        assert "https://example.org/feed.xml?api_key=***&page=2" in text


# ---- check -------------------------------------------------------------------------------------


def test_check_shows_entries_newest_titles_and_problems_and_writes_nothing(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, "source", "add", f"blog={FEED}")[0] == 0
    broken = Entry("id-x", "digest-x", None, None, (Problem("id-x", ProblemKind.EMPTY, "the entry has no text"),))
    answer = Poll((*(entry(n) for n in range(7)), broken), complete=False, state={"etag": '"v2"'},
                  problems=(Problem(FEED, ProblemKind.WARNING, "not well-formed XML (parsed anyway)", fatal=False),))
    fake = fake_poll(monkeypatch, answer)

    status, out, err = run(capsys, "source", "check", "blog")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"blog (feed, {FEED}): 8 entries, 7 publishable, 1 not"
    assert lines[1] == "newest:"
    assert lines[2:7] == [f"  2026-02-{8 - n:02d} 08:00 CST\tEntry {7 - n}" for n in range(1, 6)]
    assert lines[7:] == [
        "problems: 2", f"  {FEED}: warning: not well-formed XML (parsed anyway)", "  id-x: empty: the entry has no text",
    ]
    [(spec, state, ctx, known)] = fake.calls
    assert spec.name == "blog" and state == {} and known == {}
    assert ctx.data_dir == site / "state" and ctx.token is None  # HERALD_DATA_DIR; no token for blog

    async def unchanged(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, Any]:
        async with sessions() as session:
            articles = int(await session.scalar(select(func.count()).select_from(ArticleRow)) or 0)
        return articles, await get_source(sessions, "blog")

    articles, stored = with_store(site, unchanged)
    assert articles == 0 and stored.last_fetch_at is None and stored.state == {} and stored.entries == 0


def test_check_of_a_stored_source_uses_its_state_so_a_304_is_unchanged(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, "source", "add", f"blog={FEED}")[0] == 0

    async def polled(sessions: async_sessionmaker[AsyncSession]) -> None:
        now = datetime.now(UTC)
        async with sessions.begin() as session:
            await record_success(session, "blog", now=now, next_at=now + timedelta(minutes=15),
                                 state={"etag": '"v1"'}, entries=4, primed=True)

    with_store(site, polled)
    fake = fake_poll(monkeypatch, Unchanged({"etag": '"v1"'}))
    status, out, _ = run(capsys, "source", "check", "blog")
    assert status == 0
    assert out.strip() == f"blog (feed, {FEED}): unchanged since last poll (nothing new to read)"
    assert fake.calls[0][1] == {"etag": '"v1"'}


def test_check_of_an_entry_needs_no_stored_source(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_poll(monkeypatch, Poll((entry(1, title="Only one"),), complete=False))
    status, out, _ = run(capsys, "source", "check", "news@1h=https://news.example.org/rss.xml")
    assert status == 0
    assert out.splitlines() == [
        "news (feed, https://news.example.org/rss.xml): 1 entry, 1 publishable", "newest:",
        "  2026-02-02 08:00 CST\tOnly one", "problems: none",
    ]
    assert fake.calls[0][1] == {} and fake.calls[0][0].interval == 3600
    assert not (site / "db" / "herald.db").exists()  # nothing was written, not even a database


def test_check_of_a_failing_source_exits_1_with_the_reason(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, "source", "add", f"blog={FEED}")[0] == 0
    fake_poll(monkeypatch, SourceFailure("HTTP 503 from example.org (retry after 120 s)", retry_after=120))
    status, out, err = run(capsys, "source", "check", "blog")
    assert (status, out) == (1, "")
    assert err.strip() == f"herald: blog (feed, {FEED}): poll failed: HTTP 503 from example.org (retry after 120 s)"
    stored = with_store(site, lambda sessions: get_source(sessions, "blog"))
    assert stored is not None and stored.failures == 0 and stored.last_error is None  # nothing recorded


def test_a_git_token_goes_to_its_own_source_only_and_is_never_printed(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = "git+https://git.example.org/o/site.git#main:_posts"
    printed = [run(capsys, "source", "add", f"posts={repo}"), run(capsys, "source", "add", f"pages={repo}")]
    fake = fake_poll(monkeypatch, SourceFailure(f"authentication failed for {TOKEN}"))  # a careless fetcher
    printed += [run(capsys, "source", "check", "posts"), run(capsys, "source", "check", "pages")]
    fake.answer = Poll((entry(1, title=f"title with {TOKEN}"),), complete=True)
    printed += [run(capsys, "source", "check", "posts"), run(capsys, "source", "list")]
    assert [call[2].token for call in fake.calls] == [TOKEN, None, TOKEN]
    assert printed[2][0] == 1 and "authentication failed for ***" in printed[2][2]
    for _status, out, err in printed:
        assert TOKEN not in out and TOKEN not in err
