"""A chat through the real console platform: `herald run`'s app on a temporary content folder and
database, with the console runtime reading a pipe the test writes to and printing into a buffer.

    async with ConsoleChat.open(tmp_path, posts={"a.md": TEXT}) as chat:
        out = await chat.send("/latest")           # what the console printed for that line
        chat.drop("b.md", TEXT)                     # a new post lands while it runs
        assert "B title" in await chat.wait_for("B title")
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from adapters.console.render import render_article, render_summary
from adapters.console.runtime import ConsoleRuntime
from bot.app import Herald, build
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings


class ConsoleChat:
    """Drive a running Herald through its console platform."""

    def __init__(self, herald: Herald, content: Path, writer: io.TextIOWrapper, out: io.StringIO) -> None:
        self.herald = herald
        self.content = content
        self._writer = writer
        self._out = out
        self._seen = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls, folder: Path, *, posts: dict[str, str] | None = None, lang: str | None = "en_US.UTF-8", **settings: object
    ) -> AsyncIterator[ConsoleChat]:
        """Start Herald on `folder/content` (with `posts` already there) and yield the chat."""
        content = folder / "content"
        content.mkdir(parents=True, exist_ok=True)
        for name, text in (posts or {}).items():
            (content / name).parent.mkdir(parents=True, exist_ok=True)
            (content / name).write_text(text, encoding="utf-8")
        read_fd, write_fd = os.pipe()
        stdin = os.fdopen(read_fd, "r", encoding="utf-8")
        writer = os.fdopen(write_fd, "w", encoding="utf-8")
        out = io.StringIO()
        old_lang = os.environ.get("LC_ALL")
        if lang:
            os.environ["LC_ALL"] = lang
        spec = PlatformSpec(
            name="console",
            render_summary=render_summary,
            render_article=render_article,
            create_runtime=lambda _settings, core: ConsoleRuntime(core, stdin=stdin, stdout=out),
        )
        config = Settings(
            content_dir=content,
            database_url=f"sqlite:///{folder / 'herald.db'}",
            http_port=0,
            **settings,  # type: ignore[arg-type]
        )
        herald = await build(config, platforms={"console": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        chat = cls(herald, content, writer, out)
        try:
            await chat._until(lambda: herald.watcher is not None and herald.watcher.ready.is_set())
            yield chat
        finally:
            if not writer.closed:
                writer.close()  # end of input: the console returns and Herald finishes its work
            await asyncio.wait_for(task, timeout=30)
            stdin.close()
            await herald.close()
            if lang:
                if old_lang is None:
                    os.environ.pop("LC_ALL", None)
                else:
                    os.environ["LC_ALL"] = old_lang

    @property
    def output(self) -> str:
        """Everything the console printed so far."""
        return self._out.getvalue()

    async def send(self, line: str, *, timeout: float = 10.0) -> str:
        """Type a line and return what the console printed in answer."""
        start = len(self.output)
        self._writer.write(line + "\n")
        self._writer.flush()
        await self._until(lambda: len(self.output) > start, timeout)
        await asyncio.sleep(0.05)  # a reply of several prints lands together
        return self.output[start:]

    def drop(self, name: str, text: str) -> Path:
        """Write a new post into the content folder."""
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    async def wait_for(self, text: str, timeout: float = 10.0) -> str:
        """Wait until `text` has been printed; return the whole output."""
        await self._until(lambda: text in self.output, timeout)
        return self.output

    async def end(self) -> None:
        """Close the input, as Ctrl-D does."""
        self._writer.close()

    @staticmethod
    async def _until(check, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            if loop.time() > deadline:
                raise AssertionError("timed out waiting for the console")
            await asyncio.sleep(0.02)
