"""Issue 14: the panel's previews show what the platforms receive. A real Herald (`build` + `serve`)
runs against the fake Bot API and the fake Discord with one subscriber on each; a post shaped like
the seed corpus (its front matter and HTML body, with its picture served on 127.0.0.1) is dropped
into the content folder; once both fakes have the card, headless Chromium signs in to the panel by
link, opens the article and compares the previews' text with what the fakes received.

Skipped where Playwright, Chromium or the seed corpus is missing.
"""

from __future__ import annotations

import asyncio
import html
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from test_panel_browser import CHROMIUM
from test_telegram_app import png, until

from adapters.discord import platform as discord_platform
from adapters.discord.runtime import create_runtime as discord_runtime
from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime as telegram_runtime
from bot.app import build
from bot.panel.auth import create_link
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.subscriptions import subscribe
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

SEED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seed"
ADMIN, READER_CHAT = 1001, 2002
GUILD, NEWS = 9001, 9101

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright for Python is not installed: pip install -e '.[test]'"
)
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"),
    pytest.mark.skipif(not SEED.is_dir() or not any(SEED.iterdir()), reason=f"no seed corpus at {SEED}"),
]


def seed_post(picture: str) -> str:
    """The first seed post, its pictures pointed at the local picture server (no test reaches the internet)."""
    text = sorted(SEED.iterdir())[0].read_text(encoding="utf-8")
    return re.sub(r"https?://[^\s'\"<>)]+\.(?:png|jpe?g|gif|webp)", picture, text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plain(caption: str) -> str:
    """A Telegram HTML caption's text as a reader sees it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", caption))


def shown_markdown(text: str) -> str:
    """A Discord description's text as the client shows it: code, bold, italic and link markers removed."""
    text = re.sub(r"\[([^\]\n]+)\]\([^)\s]+\)", r"\1", text)
    text = re.sub(r"`([^`\n]+)`", r"\1", text)
    text = re.sub(r"\*\*([^*\n]+)\*\*", r"\1", text)
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)


@pytest.fixture
async def pictures() -> AsyncIterator[str]:
    async def picture(_request: web.Request) -> web.Response:
        return web.Response(body=png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/{name}", picture)
    async with TestServer(app) as server:
        yield f"http://127.0.0.1:{server.port}/seed.png"


async def test_the_previews_equal_what_telegram_and_discord_received(
    tmp_path: Path, pictures: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    content = tmp_path / "content"
    content.mkdir()
    fake_discord = FakeDiscord()
    fake_discord.add_guild(GUILD, name="Herald Test", channels={NEWS: "news"}, members=[ADMIN])
    async with FakeTelegram() as tg, fake_discord:
        tg.add_chat(ADMIN, type="private")
        tg.add_chat(READER_CHAT, type="private")
        port = free_port()
        settings = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
            telegram_token=tg.token, telegram_api_url=tg.base_url,
            discord_token=fake_discord.token, discord_api_url=fake_discord.api_base,
            discord_guild_ids=(str(GUILD),), admins=(f"telegram:{ADMIN}",),
            http_host="127.0.0.1", http_port=port, scan_interval=3600,
        )  # type: ignore[call-arg]
        platforms = {
            "telegram": PlatformSpec(
                "telegram", telegram_platform.render_summary, telegram_platform.render_article,
                enabled=lambda s: True,
                create_runtime=lambda s, core: telegram_runtime(s, core, limits=TELEGRAM_RATES.scaled(50.0),
                                                                webhook_listen=("127.0.0.1", 0)),
            ),
            "discord": PlatformSpec(
                "discord", discord_platform.render_summary, discord_platform.render_article,
                enabled=lambda s: True,
                create_runtime=lambda s, core: discord_runtime(s, core, guild_ready_timeout=0.05),
            ),
        }
        herald = await build(settings, platforms=platforms)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        try:
            await until(lambda: all(rt.connected for rt in herald.runtimes) or task.done(), 20)
            assert not task.done()
            now = herald.clock.now()
            await subscribe(herald.sessions, "telegram", str(READER_CHAT), "private", [], "en", now)
            await subscribe(herald.sessions, "discord", str(NEWS), "channel", [], "en", now)

            (content / "seed.md").write_text(seed_post(pictures), encoding="utf-8")
            await herald.index.scan()
            card = await until(lambda: [m for m in tg.sent if m.chat_id == READER_CHAT], 20)
            posted = await until(lambda: [m for m in fake_discord.messages if m["channel_id"] == NEWS], 20)
            sent, embed = card[0], posted[0]["payload"]["embeds"][0]

            token = await create_link(herald.sessions, f"telegram:{ADMIN}", herald.clock.now())
            base = f"http://127.0.0.1:{port}/panel"
            await _compare_in_browser(base, token, sent, embed)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
            await herald.close()
        assert tg.errors == [] and fake_discord.errors == []


async def _compare_in_browser(base: str, token: str, sent: Any, embed: dict[str, Any]) -> None:
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = await browser.new_page()
            await page.goto(f"{base}/login/{token}")
            await page.locator("#signin-button").click()
            await page.wait_for_url(f"{base}/")
            await page.locator(".articles .title").first.click()
            await page.locator("#telegram-preview .tg-bubble").first.wait_for()
            await page.locator("#discord-preview .dc-embed").first.wait_for()

            bubble = page.locator("#telegram-preview .tg-bubble").first
            assert await bubble.locator(".tg-text").text_content() == plain(sent.text)
            assert await bubble.locator(".tg-photo").get_attribute("src") == sent.photo_url

            shown = page.locator("#discord-preview .dc-embed").first
            assert await shown.locator(".dc-title").text_content() == embed["title"]
            assert await shown.locator(".dc-description").text_content() == shown_markdown(embed["description"])
            footer = await shown.locator(".dc-footer").text_content() or ""
            assert footer == embed["footer"]["text"] or footer.startswith(embed["footer"]["text"] + " • ")
            assert await shown.get_attribute("data-colour") == f"#{embed['color']:06x}"
            assert await shown.locator(".dc-image").get_attribute("src") == embed["image"]["url"]
        finally:
            await browser.close()
