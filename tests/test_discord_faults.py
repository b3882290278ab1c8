"""Discord under faults, end to end against the fake Discord server (real discord.py):
a configured channel the bot cannot post in is found at start, disabled with the missing
permissions named and told to the admin; a gateway that stays down is reported by /healthz
after the grace, and healthy again once it is back."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.health import database_and_platforms_check
from bot.platform import platform_health
from bot.store.subscriptions import get_subscription
from tests.test_discord_app import ADMIN, QUIET, World, eventually, post, world

__all__ = ["world"]


async def _health(bot: Any) -> tuple[bool, str, str]:
    check = database_and_platforms_check(
        bot.herald.sessions, lambda: {rt.name: platform_health(rt) for rt in bot.herald.runtimes}
    )
    status = await check()
    return status.ok, status.reason, status.checks["discord"]


async def test_a_configured_channel_missing_permissions_is_disabled_named_and_told(world: World) -> None:
    world.fake.set_permissions(QUIET, send=False)
    bot = await world.start(settings=world.settings(channels=(f"discord:{QUIET}",)))
    sessions = bot.herald.sessions

    async def disabled() -> Any:
        state = await get_subscription(sessions, "discord", str(QUIET))
        return state if state is not None and not state.active else None

    async with asyncio.timeout(10):
        while (state := await disabled()) is None:
            await asyncio.sleep(0.05)
    assert state.reason == "cannot post: missing permission: Send Messages"
    channels = world.fake._channels

    def told_admin() -> list[dict[str, Any]]:
        dm = channels.dm_of(ADMIN)
        return [m for m in world.fake.messages if dm is not None and m["channel_id"] == dm.id]

    await eventually(told_admin, 10)
    told = told_admin()
    text = str(told[0]["payload"])
    assert f"discord:{QUIET}" in text and "Send Messages" in text
    await eventually(lambda: b'herald_targets_disabled{platform="discord"} 1.0' in bot.herald.metrics.render())
    assert not [r for r in world.fake.requests if r.path == f"/channels/{QUIET}/messages"]


async def test_missing_embed_and_attach_rights_are_both_named(world: World) -> None:
    world.fake.set_permissions(QUIET, embed=False, attach=False)
    bot = await world.start(settings=world.settings(channels=(f"discord:{QUIET}",)))
    results = await bot.runtime.check_targets([str(QUIET), "424242"])
    assert results == {str(QUIET): "missing permission: Embed Links, Attach Files", "424242": "channel not found"}


async def test_a_gateway_down_past_the_grace_is_unhealthy_and_healthy_again_when_back(world: World) -> None:
    bot = await world.start(unreachable_after=1.0)
    assert await _health(bot) == (True, "", "connected")
    world.fake.gateway.refusing = True
    await world.fake.drop_gateway()
    await eventually(lambda: bot.runtime.gateway.failing, 5)
    ok, _reason, detail = await _health(bot)
    assert ok and detail == "reconnecting"  # within the grace: discord.py is on it
    await asyncio.sleep(1.2)
    ok, reason, _detail = await _health(bot)
    assert not ok and reason.startswith("discord: Discord gateway disconnected for ")
    world.fake.gateway.refusing = False
    async with asyncio.timeout(30):
        while not (await _health(bot))[0]:
            await asyncio.sleep(0.1)
    assert await _health(bot) == (True, "", "connected")


async def test_a_configured_channel_that_loses_its_rights_while_running_is_told_once(world: World) -> None:
    bot = await world.start(settings=world.settings(channels=(f"discord:{QUIET}",)))
    sessions = bot.herald.sessions
    await asyncio.sleep(0.3)  # the check at start found the channel fine
    world.fake.set_permissions(QUIET, send=False)  # someone changed the channel's permissions
    channels = world.fake._channels

    def told_admin() -> list[dict[str, Any]]:
        dm = channels.dm_of(ADMIN)
        return [m for m in world.fake.messages if dm is not None and m["channel_id"] == dm.id]

    post(world.content, "after-change-1.md", title="First after the change")
    await bot.herald.index.scan()
    await eventually(told_admin, 10)
    state = await get_subscription(sessions, "discord", str(QUIET))
    assert state is not None and not state.active
    text = str(told_admin()[0]["payload"])
    assert f"discord:{QUIET}" in text and "Missing Permissions" in text
    await eventually(lambda: b'herald_targets_disabled{platform="discord"} 1.0' in bot.herald.metrics.render())

    post(world.content, "after-change-2.md", title="Second after the change")
    await bot.herald.index.scan()
    await asyncio.sleep(1.0)
    assert len(told_admin()) == 1  # told once, not per article
