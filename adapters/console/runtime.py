"""The console platform at run time: one subscribed chat on a terminal or a pipe.

Lines on stdin are commands; replies and newly published articles are printed on stdout.
At end of input `run` returns, and the app finishes pending work and exits.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import threading
from collections.abc import Sequence
from contextlib import suppress
from typing import TextIO

from adapters.console.digest import render_digest
from adapters.console.render import console_templates, render_read, render_summary, render_text
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands import Invocation, Reply
from bot.commands.i18n import Lang, language_of, message
from bot.delivery.ratelimit import Rate, RateLimits
from bot.digests import Digest
from bot.platform import RuntimeBase, Services
from bot.request import Request
from bot.settings import Settings
from bot.summary.model import Summary
from bot.templating import CardTemplates, TemplateSource
from bot.waits import first_of

CHANNEL = "console"
USER = "console"
# A terminal has no rate limits worth the name; keep the limiter out of the way.
UNLIMITED = RateLimits(overall=Rate(10_000, 1.0), per_channel=Rate(10_000, 1.0, burst=10_000), classes=())


def _lang() -> str | None:
    """The reader's language from the locale (`zh_CN.UTF-8` → `zh-CN`)."""
    value = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    tag = value.split(".")[0].replace("_", "-")
    return tag if tag and tag not in ("C", "POSIX") else None


class ConsoleOutlet:
    """Delivery outlet that prints to a stream."""

    name = "console"

    def __init__(self, out: TextIO, lang: Lang = "en") -> None:
        self._out = out
        self._lang = lang
        self._ids = itertools.count(1)

    _layouts: CardTemplates | None = None
    """The operator's card templates (`HERALD_TEMPLATES`), once `use_templates` set them."""

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card as plain text (the console is always plain), in the console reader's
        language (the terminal's locale); the console's template, when there is one, writes it."""
        return self.render_in("", summary, plain=plain, lang=lang, style=style)

    def render_in(
        self, channel_id: str, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card for one channel (the console has one) with its template, if any."""
        template = self._layouts.layout_for(channel_id) if self._layouts else None
        return render_summary(summary, self._lang, style=style, template=template)

    def use_templates(self, sources: Sequence[TemplateSource]) -> None:
        """Compile and keep the console templates among `sources`."""
        self._layouts = console_templates(sources)

    def layout(self, channel_id: str) -> str:
        """Return the template file the console's cards use ("" for the default card)."""
        return self._layouts.layout(channel_id) if self._layouts else ""

    def render_digest(
        self, digest: Digest, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a digest as plain text."""
        return render_digest(digest, self._lang, style=style)

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        """Print every request; return a running message number."""
        for request in requests:
            self._out.write(str(request.params.get("text", "")).rstrip("\n") + "\n\n")
        self._out.flush()
        return str(next(self._ids))

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        """Printed text cannot change: an edit of a printed card does nothing (and prints no new one)."""

    async def delete(self, channel_id: str, message_id: str) -> None:
        """Printed text cannot be taken back: nothing to do."""

    def channel_class(self, channel_id: str) -> str:
        """The console is one private chat."""
        return "private"


def render_reply(reply: Reply, lang: Lang = "en") -> list[Request]:
    """Render a command reply for the terminal: articles (up to the console's cap) and cards
    natively, lists and everything else as their text."""
    match reply.shape:
        case "article":
            return render_read(reply, lang)
        case "card":
            assert reply.summary is not None
            return render_summary(reply.summary, lang)
        case "list" | "text":
            return render_text(reply.text)


class ConsoleRuntime(RuntimeBase):
    """Read commands from stdin until end of input."""

    name = "console"
    limits = UNLIMITED
    default_channels = ((CHANNEL, "private"),)
    """The console is one chat, subscribed to everything from its first start."""

    def __init__(self, services: Services, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self._services = services
        self._in = stdin or sys.stdin
        self._lang = _lang()
        self.outlet = ConsoleOutlet(stdout or sys.stdout, language_of(self._lang))

    @property
    def connected(self) -> bool:
        """The console is always connected."""
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Answer each line until end of input or `stop`."""
        lines = self._read_lines()
        while not stop.is_set():
            next_line = asyncio.ensure_future(lines.get())
            if 0 not in await first_of(next_line, stop):
                return
            line = next_line.result()
            if line is None:
                return
            await self.handle_line(line.strip())

    def _read_lines(self) -> asyncio.Queue[str | None]:
        """Read stdin in a daemon thread (None at end of input). A blocking read cannot be
        interrupted, and a daemon thread does not keep the process alive after SIGTERM/Ctrl-C."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:
            try:
                for line in iter(self._in.readline, ""):
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError):  # stdin closed under us
                pass
            finally:
                with suppress(RuntimeError):  # the loop is already closed: nobody is listening
                    loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        return lines

    async def handle_line(self, line: str) -> None:
        """Answer one line of input."""
        if not line:
            return
        if not line.startswith("/"):
            hint = message("console.not_a_command", language_of(self._lang))
            await self._services.send_reply(self.name, CHANNEL, render_text(hint))
            return
        word, *args = line.split()
        inv = Invocation(
            platform=self.name,
            channel_id=CHANNEL,
            channel_kind="private",
            user_id=USER,
            command=word,
            args=tuple(args),
            text=line,
            user_is_chat_admin=True,
            lang=self._lang,
        )
        reply = await self._services.handle(inv)
        requests = render_reply(reply, language_of(self._lang))
        if requests:
            await self._services.send_reply(self.name, CHANNEL, requests)


def create_runtime(settings: Settings, services: Services) -> ConsoleRuntime:
    """Build the console runtime (stdin/stdout)."""
    return ConsoleRuntime(services)
