"""`herald queue add|list|cancel` and `herald broadcast` from the shell, on the database a running
Herald reads: articles by id or by path, times in HERALD_TIMEZONE, slots, clear errors (exit 2)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build
from bot.cli import main
from bot.settings import Settings
from bot.store import queue
from bot.store.engine import create_engine, session_factory


def post(folder: Path, name: str, title: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(f"---\ntitle: '{title}'\ndate: 2026-02-01 10:00:00\n---\n\nBody.\n", encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder with two posts, indexed once (as `herald run` would), and the env to find it."""
    content = tmp_path / "content"
    content.mkdir()
    post(content, "first", "First post")
    (content / "deep").mkdir()
    post(content / "deep", "second", "Second post")
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    for key, value in {"HERALD_CONTENT_DIR": str(content), "HERALD_DATABASE_URL": url,
                       "HERALD_TIMEZONE": "Asia/Shanghai", "HERALD_HTTP_PORT": "0"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)

    async def index() -> None:
        herald = await build(Settings(_env_file=None), platforms={})
        await herald.index.scan()
        await herald.close()

    asyncio.run(index())
    return content


def waiting(tmp_path: Path) -> list:
    async def read() -> list:
        engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")
        try:
            return await queue.list_queued(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_add_by_id_and_by_path_then_list_and_cancel(site: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "add", "content/first.md", "--at", "+2h"]) == 0
    added = capsys.readouterr().out
    assert "“First post” goes out at" in added and "CST" in added
    assert main(["queue", "add", str(site / "deep" / "second.md"), "--at", "09:00", "--to", "telegram:@news"]) == 0
    assert "To telegram:@news only." in capsys.readouterr().out
    assert main(["queue", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("CST" in line for line in lines)
    assert any("First post" in line for line in lines) and any("→ telegram:@news" in line for line in lines)
    assert main(["queue", "cancel", "1"]) == 0
    assert capsys.readouterr().out.startswith("Cancelled #1:")
    assert [item.id for item in waiting(tmp_path)] == [2]


def test_broadcast_queues_the_article_due_now(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["broadcast", "deep/second.md"]) == 0
    out = capsys.readouterr().out
    assert "goes out now" in out and "herald run" in out
    [item] = waiting(tmp_path)
    assert item.target is None and item.created_by == "cli"


def test_slots_are_taken_in_order(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HERALD_QUEUE_SLOTS", "09:00,18:00")
    assert main(["queue", "add", "1"]) == 0
    assert main(["queue", "add", "2"]) == 0
    first, second = waiting(tmp_path)
    assert first.due_at < second.due_at  # one article per slot
    # 09:00 and 18:00 in Shanghai are 01:00 and 10:00 UTC.
    assert {(item.due_at.hour, item.due_at.minute) for item in (first, second)} <= {(1, 0), (10, 0)}


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["queue", "add", "99"], "there is no article #99"),
        (["queue", "add", "1", "--at", "soonish"], "'soonish' is not a time"),
        (["queue", "add", "1", "--at", " "], "--at is empty"),
        (["queue", "add", "1", "--to", "nowhere"], "is not a target"),
        (["queue", "add", "1", "--to", "slack:1"], "there is no platform 'slack'"),
        (["queue", "add", "missing.md"], "no post missing.md"),
        (["queue", "add", "/etc/passwd"], "is not under the content folder"),
        (["queue", "cancel", "7"], "no waiting queue item #7"),
        (["broadcast", "42"], "there is no article #42"),
    ],
)
def test_bad_input_exits_2_with_a_reason(site: Path, capsys: pytest.CaptureFixture[str], argv, reason) -> None:
    assert main(argv) == 2
    assert reason in capsys.readouterr().err


def test_a_never_indexed_store_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "a", "A")
    monkeypatch.setenv("HERALD_CONTENT_DIR", str(content))
    monkeypatch.setenv("HERALD_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert main(["queue", "add", str(content / "a.md")]) == 2
    assert "start `herald run` once" in capsys.readouterr().err


def test_help_texts_describe_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["queue", "add", "--help"], ["broadcast", "--help"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0
        text = capsys.readouterr().out
        assert "ARTICLE" in text and "content folder" in text
