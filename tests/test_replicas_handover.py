"""A receiver cut off from the database (a network split) stops receiving before another replica
starts: two Heralds in one process on one PostgreSQL database, with Telegram and Discord against
the fakes, the holder's heartbeats made to fail.

Skips when HERALD_TEST_POSTGRES_URL is unset."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.discord import platform as discord_platform
from adapters.discord.runtime import create_runtime as discord_runtime
from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime as telegram_runtime
from bot.app import Herald, build
from bot.platform import PlatformSpec
from bot.replicas import SCHEDULER, Replicas, receiver
from bot.serve import serve
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.test_replicas_process import DISCORD_TOKEN, GUILD, NEWS, READER, Watch, until, watch

ROLES = (SCHEDULER, receiver("telegram"), receiver("discord"))
QUICK = {"lease_time": 3.0, "heartbeat": 0.3, "stop_margin": 1.2}
"""Short leases, so the test does not wait long for the expiry (the order of events is the point)."""



def platforms() -> dict[str, PlatformSpec]:
    rates = TELEGRAM_RATES.scaled(50)
    return {
        "telegram": PlatformSpec(
            "telegram", telegram_platform.render_summary, telegram_platform.render_article,
            enabled=lambda s: True, create_runtime=lambda s, core: telegram_runtime(s, core, limits=rates),
        ),
        "discord": PlatformSpec(
            "discord", discord_platform.render_summary, discord_platform.render_article,
            enabled=lambda s: True, create_runtime=lambda s, core: discord_runtime(s, core, guild_ready_timeout=0.05),
        ),
    }


async def test_a_receiver_cut_off_from_the_database_stops_before_another_starts(
    tmp_path: Path, fresh_database: str
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    tg = FakeTelegram()
    discord = FakeDiscord(token=DISCORD_TOKEN)
    discord.add_guild(GUILD, channels={NEWS: "news"}, members=[READER])
    async with tg, discord:
        config = Settings(
            _env_file=None, content_dir=content, database_url=fresh_database, http_port=0, scan_interval=3600,
            telegram_token=tg.token, telegram_api_url=tg.base_url, discord_token=DISCORD_TOKEN,
            discord_api_url=discord.api_base, discord_guild_ids=(str(GUILD),),
        )  # type: ignore[call-arg]
        heralds: list[Herald] = [await build(config, platforms=platforms()) for _ in range(2)]
        replicas = [Replicas(h.sessions, ROLES, solo=False, metrics=h.metrics, **QUICK) for h in heralds]
        stop = asyncio.Event()
        seen = Watch()
        sampler = asyncio.create_task(watch(tg, discord, seen))
        tasks = [asyncio.create_task(serve(h, stop, replicas=r)) for h, r in zip(heralds, replicas, strict=True)]
        unreachable = create_engine("postgresql://herald@127.0.0.1:9/none")
        try:
            await until(lambda: any(len(r.held) == len(ROLES) for r in replicas))
            cut, other = replicas if replicas[0].held else replicas[::-1]
            await until(lambda: tg.updates.polls and discord.gateway.live_sessions())

            async def answers(chat: int) -> list[str]:
                tg.command(chat, chat, "/help")
                await until(lambda: [m for m in tg.sent if m.chat_id == chat])
                await asyncio.sleep(0.5)
                return [m.plain_text or "" for m in tg.sent if m.chat_id == chat]

            assert len(await answers(101)) == 1
            identified = discord.gateway.identify_count

            cut._sessions = session_factory(unreachable)  # its heartbeats fail from now on
            await until(lambda: cut.held == [] and sorted(other.held) == sorted(ROLES))
            assert len(await answers(102)) == 1  # answered by the other replica, once
            await until(lambda: discord.gateway.identify_count > identified)
            interaction = discord.slash("latest", guild_id=GUILD, channel_id=NEWS, user_id=READER)
            await discord.dispatch_interaction(interaction)
            await until(lambda: [r for r in discord.interaction_responses if r["interaction_id"] == int(interaction["id"])])
            await asyncio.sleep(0.5)
            assert len([r for r in discord.interaction_responses if r["interaction_id"] == int(interaction["id"])]) == 1
        finally:
            stop.set()
            sampler.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for h in heralds:
                await h.close()
            await unreachable.dispose()
    assert seen.pollers == 1 and seen.sessions == 1
    assert [r for r in tg.requests if r.method == "getUpdates" and r.status == 409] == []
    assert tg.errors == []


