"""One warning per problem: a broken post is logged (and told to the admins) when it is first
seen and when it changes, not on every rescan; once fixed it is published like a new post. A
post with a missing or unreadable date is dated by its file's modification time."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Herald, build
from bot.cli import main
from bot.settings import Settings
from bot.store.articles import get_article, latest_articles
from tests.test_schedule_app import ADMIN, ROOM, SPEC, T0, SteppedClock

BROKEN = "---\ntitle: never closed\n\nThe front matter has no end.\n"
PAST = datetime(2025, 7, 14, 8, 30, tzinfo=UTC)


@pytest.fixture
async def herald(tmp_path: Path) -> AsyncIterator[Herald]:
    """A built (not running) Herald with one admin and one channel on a recording platform."""
    (tmp_path / "content").mkdir()
    settings = Settings(
        _env_file=None, content_dir=tmp_path / "content", database_url=f"sqlite:///{tmp_path / 'h.db'}",
        http_port=0, admins=(f"fake:{ADMIN}",), channels=(f"fake:{ROOM}",),
    )
    built = await build(settings, clock=SteppedClock(T0), platforms={"fake": SPEC})
    try:
        yield built
    finally:
        await built.finish_notices(timeout=0)
        await built.close()


def warnings_about(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and name in r.getMessage()]


async def notices(herald: Herald) -> list[str]:
    await herald.finish_notices()
    runtime = herald.runtimes[0]
    return [reply.text for user, reply in runtime.direct if user == ADMIN]  # type: ignore[attr-defined]


async def test_a_broken_post_is_logged_and_told_once_until_it_changes(
        herald: Herald, caplog: pytest.LogCaptureFixture) -> None:
    content = herald.content.root
    (content / "good.md").write_text("---\ntitle: Good\ndate: 2026-02-01\n---\nText.\n", encoding="utf-8")
    broken = content / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):  # the first start, then two 60-second rescans
            await herald.rescan()
    assert len(warnings_about(caplog, "broken.md")) == 1
    told = await notices(herald)
    assert len(told) == 1 and "broken.md" in told[0]
    assert "cannot be published" in told[0]

    broken.write_text(BROKEN + "Still broken, but edited.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        await herald.rescan()
        await herald.rescan()
    assert len(warnings_about(caplog, "broken.md")) == 2  # the change is reported, once
    assert len(await notices(herald)) == 2


async def test_a_fixed_post_is_published_as_new_and_breaking_it_again_is_reported(
        herald: Herald, caplog: pytest.LogCaptureFixture) -> None:
    content = herald.content.root
    broken = content / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    await herald.rescan()  # the first start: broken at the time, so not part of the backlog
    broken.write_text("---\ntitle: Fixed at last\ndate: 2026-02-01\n---\nText.\n", encoding="utf-8")
    report = await herald.index.scan()
    await herald.after_index(report)
    assert not report.first_run and len(report.published) == 1
    row = await get_article(herald.sessions, report.published[0])
    assert row is not None and row.title == "Fixed at last" and row.published_at is not None
    assert row.announce_pending is False  # handed to the fan-out: it goes to the subscribers
    [told] = await notices(herald)  # the admins heard about it once, while it was broken
    assert "broken.md" in told

    broken.unlink()
    await herald.rescan()
    broken.write_text(BROKEN, encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await herald.rescan()
    assert len(warnings_about(caplog, "broken.md")) == 1  # deleted, then broken anew: reported again


async def test_the_watcher_path_reports_a_broken_post_once_too(
        herald: Herald, caplog: pytest.LogCaptureFixture) -> None:
    await herald.rescan()
    broken = herald.content.root / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await herald.after_index(await herald.index.index_paths([broken]))
        await herald.rescan()
    assert len(warnings_about(caplog, "broken.md")) == 1
    assert len(await notices(herald)) == 1


@pytest.mark.parametrize("date_line", ["date: Invalid Date\n", ""])
async def test_a_missing_or_unreadable_date_is_the_files_modification_time(
        herald: Herald, date_line: str) -> None:
    path = herald.content.root / "undated.md"
    path.write_text(f"---\ntitle: Undated\n{date_line}---\nText.\n", encoding="utf-8")
    os.utime(path, (PAST.timestamp(), PAST.timestamp()))
    await herald.rescan()
    [row] = await latest_articles(herald.sessions, limit=5)
    assert row.title == "Undated" and row.date.replace(tzinfo=UTC) == PAST


@pytest.mark.parametrize(("date_line", "warning"), [
    ("date: Invalid Date\n", "undated.md: bad-date: cannot read date 'Invalid Date'; using the file's modification time"),
    ("", "undated.md: warning: no date; using the file's modification time"),
])
def test_check_warns_about_the_date_in_one_line_and_passes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        date_line: str, warning: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "undated.md").write_text(f"---\ntitle: Undated\n{date_line}---\nText.\n", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [warning, "checked 1 file: 0 ok, 1 warning, 0 errors"]
