"""The library index: first start sends nothing, new posts are announced once, edits and moves keep
their ids, deletions leave /latest, future posts wait for their date, drafts never go out."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from manual_clock import ManualClock

import bot.content
import bot.index.library
from bot.content.config import ContentConfig
from bot.delivery import announce as fan_out_and_clear
from bot.index import LibraryIndex
from bot.store.articles import count_published, get_article, get_article_by_key, latest_articles
from bot.store.meta import INITIAL_INDEX_DONE, get_meta
from bot.store.states import ArticleState
from bot.summary import SummaryConfig

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def post(folder: Path, name: str, *, title: str = "A post", date: str = "2026-02-01 10:00:00",
         categories: tuple[str, ...] = ("News",), extra: str = "", body: str = "Some text for the excerpt.") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    cats = "".join(f"\n  - {c}" for c in categories)
    path.write_text(f"---\ntitle: {title}\ndate: {date}\ncategories:{cats}\n{extra}---\n\n{body}\n", encoding="utf-8")
    return path


class Library:
    """A content folder, a clock and an index over a test database, recording announcements."""

    def __init__(self, sessions, root: Path, *, auto_publish: bool = True) -> None:
        self.sessions = sessions
        self.root = root
        self.clock = ManualClock(START)
        self.announced: list[int] = []
        self.auto_publish = auto_publish
        self.index = self.restart()

    def restart(self) -> LibraryIndex:
        async def announce(article_id: int) -> None:
            self.announced.append(article_id)
            await fan_out_and_clear(self.sessions, article_id, now=self.clock.now())

        self.index = LibraryIndex(
            self.sessions, ContentConfig(root=self.root), SummaryConfig(), clock=self.clock,
            auto_publish=self.auto_publish, on_publish=announce,
        )
        return self.index


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    return root


@pytest.fixture
def library(sessions, content: Path) -> Library:
    return Library(sessions, content)


async def test_first_start_records_everything_and_announces_nothing(library: Library, content: Path) -> None:
    post(content, "a.md", title="Old one")
    post(content, "b.md", title="Old two")
    post(content, "later.md", date="2026-06-01 09:00:00")
    post(content, "wip.md", extra="draft: true\n")
    report = await library.index.scan()
    assert report.first_run and len(report.new) == 4
    assert len(report.published) == 2 and len(report.scheduled) == 1
    assert library.announced == []
    assert await get_meta(library.sessions, INITIAL_INDEX_DONE) is not None
    assert {r.title for r in await latest_articles(library.sessions, limit=10)} == {"Old one", "Old two"}
    assert (await get_article_by_key(library.sessions, "wip.md")).state == ArticleState.DRAFT
    assert not (await library.index.scan()).first_run


async def test_a_new_post_is_announced_exactly_once(library: Library, content: Path) -> None:
    post(content, "a.md")
    await library.index.scan()
    post(content, "b.md", title="Fresh")
    report = await library.index.scan()
    assert report.published == report.new and len(report.new) == 1
    assert library.announced == report.new
    row = await get_article(library.sessions, report.new[0])
    assert row.state == ArticleState.PUBLISHED and row.title == "Fresh"
    await library.index.scan()
    library.restart()
    await library.index.scan()
    assert library.announced == report.new


async def test_new_posts_are_held_when_auto_publish_is_off(sessions, content: Path) -> None:
    library = Library(sessions, content, auto_publish=False)
    post(content, "a.md")
    await library.index.scan()
    post(content, "b.md")
    report = await library.index.scan()
    assert len(report.held) == 1 and report.published == []
    assert library.announced == []
    assert (await get_article(sessions, report.held[0])).state == ArticleState.HELD
    assert await count_published(sessions) == 1


async def test_future_post_is_published_when_its_date_comes_even_after_a_restart(library: Library, content: Path) -> None:
    post(content, "a.md")
    await library.index.scan()
    post(content, "soon.md", date="2026-03-02 08:00:00")
    report = await library.index.scan()
    assert len(report.scheduled) == 1 and library.announced == []
    assert await library.index.next_due() == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert (await library.index.publish_due()).published == []
    library.clock.advance(days=1)
    library.restart()
    await library.index.scan()
    assert (await library.index.publish_due()).published == report.scheduled
    assert library.announced == report.scheduled
    assert (await library.index.publish_due()).published == []
    assert (await get_article(library.sessions, report.scheduled[0])).state == ArticleState.PUBLISHED


async def test_drafts_are_never_published_until_undrafted(library: Library, content: Path) -> None:
    await library.index.scan()
    post(content, "wip.md", extra="draft: true\n")
    post(content, "_drafts/idea.md")
    report = await library.index.scan()
    assert len(report.new) == 2 and report.published == [] and library.announced == []
    assert await latest_articles(library.sessions, limit=5) == []
    library.clock.advance(days=1)
    post(content, "wip.md", extra="draft: false\n")
    report = await library.index.scan()
    assert library.announced == report.published and len(report.published) == 1


async def test_an_edit_updates_the_index_without_a_resend(library: Library, content: Path) -> None:
    await library.index.scan()
    path = post(content, "a.md", title="First title")
    (article_id,) = (await library.index.scan()).new
    post(content, "a.md", title="Better title", categories=("Tech",), body="Rewritten text.")
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse file systems
    report = await library.index.scan()
    assert report.updated == [article_id] and report.new == [] and report.published == []
    row = await get_article(library.sessions, article_id)
    assert row.title == "Better title" and row.categories == ["Tech"]
    assert "Rewritten" in row.summary["excerpt"]
    assert library.announced == [article_id]


async def test_a_deleted_post_leaves_latest_and_comes_back_without_a_resend(library: Library, content: Path) -> None:
    path = post(content, "a.md")
    (article_id,) = (await library.index.scan()).new
    saved = path.read_bytes()
    path.unlink()
    report = await library.index.scan()
    assert report.removed == [article_id]
    assert await latest_articles(library.sessions, limit=5) == []
    path.write_bytes(saved)
    report = await library.index.scan()
    assert report.updated == [article_id] and report.new == []
    assert (await get_article(library.sessions, article_id)).state == ArticleState.PUBLISHED
    assert library.announced == []


async def test_a_moved_file_keeps_its_id(library: Library, content: Path) -> None:
    post(content, "a.md")
    (article_id,) = (await library.index.scan()).new
    (content / "2026").mkdir()
    shutil.move(content / "a.md", content / "2026" / "renamed.md")
    report = await library.index.scan()
    assert report.updated == [article_id] and report.removed == [] and report.new == []
    row = await get_article(library.sessions, article_id)
    assert row.path == "2026/renamed.md" and row.state == ArticleState.PUBLISHED
    assert library.announced == []


async def test_a_moved_file_with_a_front_matter_id_keeps_its_id_even_when_edited(library: Library, content: Path) -> None:
    post(content, "a.md", extra="id: post-7\n")
    (article_id,) = (await library.index.scan()).new
    (content / "a.md").unlink()
    post(content, "b.md", title="Edited while moving", extra="id: post-7\n")
    report = await library.index.scan()
    assert report.updated == [article_id] and report.removed == []
    assert (await get_article(library.sessions, article_id)).title == "Edited while moving"


async def test_unchanged_files_are_not_parsed_again(library: Library, content: Path, monkeypatch) -> None:
    parsed: list[str] = []
    real = bot.content.load_text

    def counting(raw, rel_path, config, **kwargs):
        parsed.append(rel_path)
        return real(raw, rel_path, config, **kwargs)

    monkeypatch.setattr(bot.content, "load_text", counting)
    for n in range(5):
        post(content, f"p{n}.md", title=f"Post {n}")
    await library.index.scan()
    assert len(parsed) == 5
    parsed.clear()
    library.restart()
    report = await library.index.scan()
    assert parsed == [] and report.unchanged == 5
    os.utime(content / "p1.md", ns=(2, 2))  # touched, same bytes: read and hashed, not parsed
    report = await library.index.scan()
    assert parsed == [] and report.unchanged == 5 and report.updated == []
    post(content, "p2.md", title="Changed")
    report = await library.index.scan()
    assert parsed == ["p2.md"] and len(report.updated) == 1


async def test_bad_files_are_reported_and_skipped(library: Library, content: Path) -> None:
    post(content, "good.md")
    (content / "empty.md").write_text("", encoding="utf-8")
    report = await library.index.scan()
    assert len(report.new) == 1
    assert [p.path for p in report.problems if p.fatal] == ["empty.md"]


async def test_two_files_with_the_same_id_are_reported(library: Library, content: Path) -> None:
    post(content, "a.md", extra="id: same\n")
    post(content, "b.md", extra="id: same\n")
    report = await library.index.scan()
    assert len(report.new) == 1
    assert any("same" in p.reason and p.path == "b.md" for p in report.problems)
    report = await library.index.scan()
    assert report.updated == [] and report.new == []


async def test_index_paths_indexes_only_the_given_files(library: Library, content: Path) -> None:
    a = post(content, "a.md")
    await library.index.scan()
    b = post(content, "b.md")
    post(content, "c.md")
    report = await library.index.index_paths([b])
    assert len(report.new) == 1 and library.announced == report.new
    a.unlink()
    report = await library.index.index_paths([a])
    assert len(report.removed) == 1
    assert [r.path for r in await latest_articles(library.sessions, limit=5)] == ["b.md"]


async def test_a_watcher_rename_keeps_the_id(library: Library, content: Path) -> None:
    old = post(content, "old.md")
    (article_id,) = (await library.index.scan()).new
    new = content / "new.md"
    old.rename(new)
    report = await library.index.index_paths([old, new])
    assert report.updated == [article_id] and report.removed == [] and library.announced == []


async def test_a_first_scan_is_written_in_batches(library: Library, content: Path, monkeypatch) -> None:
    monkeypatch.setattr(bot.index.library, "BATCH", 3)
    for n in range(8):
        post(content, f"p{n}.md", date=f"2026-01-0{n + 1} 10:00:00")
    report = await library.index.scan()
    assert len(set(report.new)) == 8
    assert await count_published(library.sessions) == 8


async def test_a_failing_announcement_does_not_stop_the_others(sessions, content: Path) -> None:
    calls: list[int] = []

    async def flaky(article_id: int) -> None:
        calls.append(article_id)
        raise RuntimeError("chat is down")

    index = LibraryIndex(sessions, ContentConfig(root=content), SummaryConfig(), clock=ManualClock(START), on_publish=flaky)
    await index.scan()
    post(content, "a.md")
    post(content, "b.md")
    report = await index.scan()
    assert calls == report.published and len(calls) == 2


async def test_the_corpus_indexes_without_errors(library: Library, corpus_dir: Path, content: Path) -> None:
    shutil.copytree(corpus_dir, content, dirs_exist_ok=True)
    report = await library.index.scan()
    assert report.new and library.announced == []
    again = await library.index.scan()
    assert again.new == [] and again.updated == [] and again.unchanged == len(report.new)


async def test_first_index_numbers_articles_oldest_first(sessions, tmp_path) -> None:
    from manual_clock import ManualClock

    from bot.content import ContentConfig
    from bot.index import LibraryIndex
    from bot.store.articles import latest_articles
    from bot.summary import SummaryConfig

    for name, day in (("z-oldest.md", "01"), ("a-newest.md", "03"), ("m-middle.md", "02")):
        (tmp_path / name).write_text(f"---\ntitle: {name}\ndate: 2024-01-{day}\n---\nText.\n", encoding="utf-8")
    index = LibraryIndex(sessions, ContentConfig(root=tmp_path), SummaryConfig(), clock=ManualClock())
    await index.scan()
    rows = await latest_articles(sessions, limit=3)
    assert [(row.title, row.id) for row in rows] == [("a-newest.md", 3), ("m-middle.md", 2), ("z-oldest.md", 1)]


async def test_a_missing_folder_is_not_a_first_start_that_floods_later(sessions, tmp_path: Path) -> None:
    root = tmp_path / "mounted-later"
    library = Library(sessions, root)
    report = await library.index.scan()
    assert report.problems and "does not exist" in report.problems[0].reason
    assert await get_meta(sessions, INITIAL_INDEX_DONE) is None
    post(root, "a.md", title="Was there before the mount")
    post(root, "b.md", title="Also old")
    report = await library.index.scan()
    assert report.first_run and library.announced == []  # recorded as the backlog, not sent
    assert await count_published(sessions) == 2


async def test_an_announcement_interrupted_by_a_crash_is_made_at_the_next_start(
    sessions, content: Path
) -> None:
    from bot.delivery import announce
    from bot.store.articles import pending_announcements
    from bot.store.subscriptions import subscribe
    from tests.delivery_support import deliveries

    library = Library(sessions, content)
    await library.index.scan()  # the first start
    await subscribe(sessions, "fake", "reader", "private", [], None, START)

    async def crash(article_id: int) -> None:
        raise RuntimeError("the process died before the fan-out committed")

    library.index._on_publish = crash
    post(content, "new.md", title="Published, not yet sent")
    report = await library.index.scan()
    assert await pending_announcements(sessions) == report.published
    assert await deliveries(sessions) == []

    async def fan_out_for_real(article_id: int) -> None:
        await announce(sessions, article_id, now=START)

    library.index._on_publish = fan_out_for_real  # the restarted process
    await library.index.scan()
    assert [(d.article_id, d.channel_id) for d in await deliveries(sessions)] == [(report.published[0], "reader")]
    assert await pending_announcements(sessions) == []
    await library.index.scan()
    assert len(await deliveries(sessions)) == 1  # retried once, never twice
