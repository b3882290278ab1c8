"""`herald run`'s start: the first index pass runs in the background, so a command is answered
while a large library is still being indexed (here the pass is held by a reader that waits)."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import bot.index.readers
from adapters.console.render import render_article, render_summary
from adapters.console.runtime import ConsoleRuntime
from bot.app import build
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings

WAIT = 20.0


def post(title: str, day: int) -> str:
    return f"---\ntitle: '{title}'\ndate: 2026-02-0{day} 10:00:00\n---\n\nBody of {title}.\n"


async def until(check: Any, timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def test_a_command_is_answered_while_the_first_index_pass_is_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for day, title in enumerate(("Alpha", "Beta", "Gamma"), start=1):
        (content / f"{title.lower()}.md").write_text(post(title, day), encoding="utf-8")
    reading, release = threading.Event(), threading.Event()
    real_read = bot.index.readers.read_batch

    def held_read(*args: Any, **kwargs: Any) -> Any:  # a library so large its first pass takes long
        reading.set()
        release.wait(WAIT)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(bot.index.readers, "read_batch", held_read)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    read_fd, write_fd = os.pipe()
    stdin, typed = os.fdopen(read_fd, "r", encoding="utf-8"), os.fdopen(write_fd, "w", encoding="utf-8")
    out = io.StringIO()
    spec = PlatformSpec(name="console", render_summary=render_summary, render_article=render_article,
                        create_runtime=lambda _settings, core: ConsoleRuntime(core, stdin=stdin, stdout=out))
    settings = Settings(_env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
                        http_port=0, scan_interval=3600)
    herald = await build(settings, platforms={"console": spec})
    task = asyncio.create_task(serve(herald, asyncio.Event()))

    async def say(line: str) -> str:
        start = len(out.getvalue())
        typed.write(line + "\n")
        typed.flush()
        await until(lambda: len(out.getvalue()) > start or task.done())
        await asyncio.sleep(0.05)  # a reply of several prints lands together
        return out.getvalue()[start:]

    try:
        await until(reading.is_set)
        during = await say("/latest")
        assert during.strip() and "Alpha" not in during  # answered, though nothing is indexed yet
        assert not release.is_set() and herald.watcher is None  # ... and the first pass is still running
        release.set()
        await until(lambda: herald.watcher is not None or task.done())
        after = await say("/latest")
        assert all(title in after for title in ("Alpha", "Beta", "Gamma"))
    finally:
        release.set()
        typed.close()  # end of input: the console returns and Herald stops
        await asyncio.wait_for(task, WAIT)
        stdin.close()
        await herald.close()
    task.result()
