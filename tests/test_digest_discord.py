"""A digest on Discord end to end: the real app with discord.py's real client against the fake
Discord server posts one embed listing the articles as Markdown links, silently when asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import discord
import pytest
from digest_support import add_entry
from sqlalchemy import select

from adapters.discord import render_article, render_summary
from adapters.discord.runtime import create_runtime
from bot.app import build
from bot.cardstyle import CardStyle
from bot.clock import SystemClock
from bot.digests import DigestSchedule
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.models import ArticleRow
from bot.store.subscription_options import set_digest, set_style
from bot.store.subscriptions import subscribe
from tests.fakes.discord_api import FakeDiscord
from tests.validators.discord import assert_valid_discord_payload

GUILD, NEWS = 9001, 9101


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


def post(folder: Path, name: str, title: str, day: int) -> None:
    (folder / name).write_text(
        f"---\ntitle: '{title}'\ndate: 2026-01-{day:02d} 10:00:00\ncategories: [News]\n---\n\nBody.\n", "utf-8"
    )


async def test_a_discord_channel_gets_one_silent_embed_listing_its_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    content = tmp_path / "content"
    content.mkdir()
    post(content, "a.md", "Alpha *stars*", 1)
    post(content, "b.md", "Beta [brackets]", 2)
    fake = FakeDiscord()
    fake.add_guild(GUILD, name="Herald Test", channels={NEWS: "news"}, members=[])
    async with fake:
        settings = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
            discord_token=fake.token, discord_api_url=fake.api_base, discord_guild_ids=(str(GUILD),),
            http_port=0, scan_interval=3600, site_url="https://example.org",
        )  # fmt: skip
        spec = PlatformSpec("discord", render_summary, render_article, enabled=lambda s: True,
                            create_runtime=lambda s, core: create_runtime(s, core, guild_ready_timeout=0.05))
        herald = await build(settings, clock=SystemClock(), platforms={"discord": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        try:
            await eventually(lambda: herald.runtimes[0].connected and herald.watcher is not None)
            now = herald.clock.now()
            sessions = herald.sessions
            state = await subscribe(sessions, "discord", str(NEWS), "channel", categories=[], lang="en", now=now)
            schedule = DigestSchedule("daily", 8, 0)
            await set_digest(sessions, "discord", str(NEWS), schedule, now - timedelta(seconds=1), now)
            await set_style(sessions, "discord", str(NEWS), CardStyle(silent=True), now)
            async with sessions() as session:
                articles = list(await session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))
            assert len(articles) == 2
            for article in articles:
                await add_entry(sessions, state.id, article, at=now)
            assert herald.digests is not None
            assert await herald.digests.look() == 1
            await eventually(lambda: [m for m in fake.messages if m["channel_id"] == NEWS])
            await asyncio.sleep(0.3)
            [sent] = [m for m in fake.messages if m["channel_id"] == NEWS]
            payload = sent["payload"]
            assert_valid_discord_payload(payload)
            assert payload["flags"] & 4096
            [embed] = payload["embeds"]
            assert embed["title"] == "Digest · 2 new articles"
            first, second = embed["description"].split("\n")
            assert first.startswith("• [Beta \\[brackets\\]](https://example.org/") and first.endswith("· News · 2026-01-02")
            assert second.startswith("• [Alpha \\*stars\\*](https://example.org/")
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
            await herald.close()
    assert fake.errors == []
