"""The content folder is a boundary: a link that leads out of it (to a file, or to a folder) is
never read, indexed, shown, published or queued, and `herald check` names it; links that stay
inside keep working, and link loops end. The secret below stands in for /etc/passwd."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

import bot.content.boundary as boundary
from bot.app import build
from bot.cli import main
from bot.content import ContentConfig, ProblemKind, load_article, scan_folder
from bot.settings import Settings
from bot.store.articles import latest_articles
from tests.delivery_support import deliveries
from tests.test_schedule_app import ROOM, post, running, until, until_async

SECRET = "root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n"
SENTENCE = "links outside the content folder are not followed"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the content folder, with a secret file and a post-shaped secret."""
    place = tmp_path / "etc"
    place.mkdir()
    (place / "passwd").write_text(SECRET, encoding="utf-8")
    (place / "stolen.md").write_text(f"---\ntitle: Stolen\ndate: 2026-02-01\n---\n\n{SECRET}", encoding="utf-8")
    return place


@pytest.fixture
def site(tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder with one post, a link to the secret, a link to the outside folder,
    an inside link to a file, an inside link to a folder, and a link loop."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post(content / "posts", "real", "Real post")
    os.symlink(outside / "passwd", content / "leak.md")
    os.symlink(outside, content / "mirror")
    os.symlink(content / "posts" / "real.md", content / "alias.md")
    os.symlink(content / "posts", content / "shortcut")  # inside folder: its posts are indexed once
    os.symlink(content, content / "posts" / "loop")  # a loop back to the root
    for key, value in {"HERALD_CONTENT_DIR": str(content), "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
                       "HERALD_HTTP_PORT": "0"}.items():
        monkeypatch.setenv(key, value)
    for name in ("HERALD_TELEGRAM_TOKEN", "HERALD_DISCORD_TOKEN", "HERALD_SITE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return content


def test_the_scan_skips_links_out_and_keeps_links_in(site: Path) -> None:
    found = [p.relative_to(site).as_posix() for p in scan_folder(ContentConfig(root=site))]
    assert found == ["alias.md", "posts/real.md"]


def test_a_link_to_a_hidden_inside_folder_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / ".shared").mkdir(parents=True)
    post(root / ".shared", "kept", "Kept")
    os.symlink(root / ".shared", root / "shared")
    os.symlink(root / ".shared", root / "shared-again")  # the same folder twice: walked once
    os.symlink(root, root / ".shared" / "up")  # and a loop inside it
    found = [p.relative_to(root).as_posix() for p in scan_folder(ContentConfig(root=root))]
    assert found == ["shared/kept.md"]


def test_check_names_the_links_and_fails(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"leak.md: unreadable: {SENTENCE}" in out
    assert f"mirror: unreadable: {SENTENCE}" in out
    assert "SECRET" not in out and "stolen" not in out
    assert "checked 4 files: 2 ok, 0 warnings, 2 errors" in out


def test_loading_an_outside_link_reads_nothing(site: Path) -> None:
    result = load_article(site / "leak.md", ContentConfig(root=site))
    assert result.article is None and result.problems[0].reason == SENTENCE
    assert load_article(site / "alias.md", ContentConfig(root=site)).publishable


def test_preview_refuses_an_outside_link(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", str(site / "leak.md"), "--json"]) == 1
    assert main(["preview", str(site), "--json"]) == 1  # the folder: its inside posts, and the refusals
    captured = capsys.readouterr()
    assert "SECRET" not in captured.out and "Stolen" not in captured.out
    assert f"leak.md: unreadable: {SENTENCE}" in captured.err and "Real post" in captured.out


def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path: Path, outside: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "content"
    root.mkdir()
    os.symlink(outside / "stolen.md", root / "swapped.md")
    os.symlink(outside, root / "dir")
    # As if each link appeared between the resolve and the open: the resolve sees no link.
    monkeypatch.setattr(boundary.os.path, "realpath", lambda p: os.path.abspath(p))
    for path in (root / "swapped.md", root / "dir" / "stolen.md"):
        with pytest.raises(OSError):
            boundary.read_inside(path, root, max_bytes=1 << 20)


def test_an_outside_link_is_never_indexed_shown_or_published(site: Path) -> None:
    async def scenario() -> None:
        herald = await build(Settings(_env_file=None), platforms={})
        try:
            await herald.index.scan()  # the first start
            os.symlink(site.parent / "etc" / "stolen.md", site / "later.md")
            report = await herald.index.scan()
            assert report.new == [] and report.published == []
            assert {p.path for p in report.problems} >= {"leak.md", "mirror", "later.md"}
            rows = await latest_articles(herald.sessions, limit=20)
            assert sorted(row.path for row in rows) == ["alias.md", "posts/real.md"]  # the inside link works
            assert {row.title for row in rows} == {"Real post"}
        finally:
            await herald.close()

    asyncio.run(scenario())


def test_queue_add_and_broadcast_refuse_an_outside_link(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def first_index() -> None:
        herald = await build(Settings(_env_file=None), platforms={})
        await herald.index.scan()
        await herald.close()

    asyncio.run(first_index())
    assert main(["queue", "add", "content/leak.md"]) != 0
    assert main(["broadcast", str(site / "leak.md")]) != 0
    assert main(["broadcast", "content/mirror/stolen.md"]) != 0
    err = capsys.readouterr().err
    assert err.count(SENTENCE) == 3
    assert main(["queue", "add", "content/alias.md"]) == 0  # a link that stays inside is an article


async def test_a_link_made_while_running_is_not_published_and_the_admins_are_told(
        tmp_path: Path, outside: Path) -> None:
    async with running(tmp_path) as app:
        os.symlink(outside / "stolen.md", app.content / "leak.md")
        os.symlink(outside, app.content / "mirror")
        post(app.content, "fresh", "Fresh news")
        await until(lambda: [r.text for _, r in app.runtime.direct if SENTENCE in r.text])
        rows = await until_async(lambda: latest_articles(app.herald.sessions, limit=10))
        await asyncio.sleep(1.0)  # the watcher has long settled: anything else would be indexed by now
        rows = await latest_articles(app.herald.sessions, limit=10)
        assert [row.title for row in rows] == ["Fresh news"]
        assert {(d.channel_id, d.article_id) for d in await deliveries(app.herald.sessions)} == {(ROOM, rows[0].id)}
        text = "".join(r.text for _, r in app.runtime.direct)
        assert "leak.md" in text and "mirror" in text and "SECRET" not in text and "Stolen" not in text
        reply = await app.say("/latest")
        assert "Stolen" not in reply.text and "Fresh news" in reply.text


def test_the_problem_kind_of_a_link_out_is_unreadable(site: Path) -> None:
    [problem] = load_article(site / "mirror" / "stolen.md", ContentConfig(root=site)).problems
    assert problem.kind is ProblemKind.UNREADABLE and problem.fatal


def test_read_never_shows_a_post_swapped_for_a_link_out(site: Path) -> None:
    from bot.commands import Invocation

    async def scenario() -> str:
        herald = await build(Settings(_env_file=None), platforms={})
        try:
            await herald.index.scan()
            [row] = [r for r in await latest_articles(herald.sessions, limit=5) if r.path == "posts/real.md"]
            real = site / "posts" / "real.md"
            real.unlink()
            os.symlink(site.parent / "etc" / "stolen.md", real)  # swapped before any rescan
            inv = Invocation(platform="console", channel_id="me", channel_kind="private", user_id="me",
                             command="read", args=(str(row.id),), text=f"/read {row.id}")
            return (await herald.services.handle(inv)).text
        finally:
            await herald.close()

    text = asyncio.run(scenario())
    assert "SECRET" not in text and "Stolen" not in text


def test_a_pipe_named_like_a_post_is_reported_not_waited_on(tmp_path: Path) -> None:
    import threading

    os.mkfifo(tmp_path / "pipe.md")
    results: list = []
    reader = threading.Thread(target=lambda: results.append(load_article(tmp_path / "pipe.md",
                                                                         ContentConfig(root=tmp_path))), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert results, "reading a named pipe hung the reader"
    assert results[0].article is None and "not a regular file" in results[0].problems[0].reason
