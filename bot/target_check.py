"""Configured channels the bot cannot post in: found at start, disabled, and told to someone.

Once a platform is connected, `check_configured` asks its runtime (`Runtime.check_targets`; a
platform that cannot tell answers nothing) about every HERALD_CHANNELS target of that platform. A channel the bot cannot
post in is disabled with the reason (`CANNOT_POST` + what is missing, e.g. "missing permission:
Send Messages"), logged at WARNING naming it, shown in `/stats` and the `herald_targets_disabled`
gauge, and told to the admins once (not again at every restart while the reason is the same).
It stays disabled across restarts (`sync_config_channels` leaves it alone) until a check at start
finds the bot able to post there: then it is enabled again and logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands.i18n import message
from bot.platform import Runtime
from bot.store.meta import get_meta, set_meta
from bot.store.models import Subscription
from bot.store.subscriptions import CANNOT_POST, deactivate, subscribe
from bot.targets import Target
from bot.waits import pause

log = logging.getLogger("herald.targets")

CONNECT_WAIT = 0.25
"""Seconds between looks at whether the runtime is connected yet."""


def notice_key(target: Target) -> str:
    """Return the meta key remembering what the admins were last told about a target."""
    return f"targets.notice.{target.platform}:{target.channel_id}"


def notice(target: Target, reason: str) -> str:
    """Return the admins' notice about a disabled target, in English and Simplified Chinese (an
    admin's language is not known; the notice is not repeated in Traditional Chinese)."""
    return "\n".join(message("targets.disabled", lang, target=str(target), reason=reason) for lang in ("en", "zh"))


async def check_configured(
    sessions: async_sessionmaker[AsyncSession],
    runtime: Runtime,
    targets: list[Target],
    stop: asyncio.Event,
    *,
    now: Callable[[], datetime],
    tell: Callable[[str], None],
) -> dict[str, str | None]:
    """Wait until `runtime` is connected, check its configured targets, then disable (and tell
    about) those it cannot serve and enable those it can again; return what the runtime said."""
    mine = [t for t in targets if t.platform == runtime.name]
    if not mine:
        return {}
    while not runtime.connected:
        if runtime.failure or await pause(stop, CONNECT_WAIT):
            return {}
    results = dict(await runtime.check_targets([t.channel_id for t in mine]))
    for target in mine:
        if target.channel_id not in results:
            continue
        reason = results[target.channel_id]
        if reason is None:
            await _enable(sessions, target, now())
            continue
        stored = CANNOT_POST + reason
        await deactivate(sessions, target.platform, target.channel_id, stored, now())
        await _set_reason(sessions, target, stored)
        log.warning("HERALD_CHANNELS %s is disabled: the bot cannot post there: %s", target, reason)
        await tell_once(sessions, target, reason, tell)
    return results


async def tell_once(
    sessions: async_sessionmaker[AsyncSession], target: Target, reason: str, tell: Callable[[str], None]
) -> None:
    """Tell the admins that `target` is disabled for `reason`, unless they were told just that."""
    if await get_meta(sessions, notice_key(target)) != reason:
        tell(notice(target, reason))
        await set_meta(sessions, notice_key(target), reason)


async def _set_reason(sessions: async_sessionmaker[AsyncSession], target: Target, reason: str) -> None:
    """Store the newest reason on an already inactive row too (`deactivate` keeps the old one)."""
    async with sessions.begin() as session:
        row = await session.scalar(
            select(Subscription).where(
                Subscription.platform == target.platform, Subscription.channel_id == target.channel_id
            )
        )
        if row is not None and not row.active:
            row.reason = reason


async def _enable(sessions: async_sessionmaker[AsyncSession], target: Target, now: datetime) -> None:
    """Enable a configured target the bot can post in again (only one this check disabled)."""
    async with sessions() as session:
        row = await session.scalar(
            select(Subscription).where(
                Subscription.platform == target.platform, Subscription.channel_id == target.channel_id
            )
        )
        blocked = row is not None and not row.active and (row.reason or "").startswith(CANNOT_POST)
    if blocked:
        await subscribe(sessions, target.platform, target.channel_id, "channel", [], None, now, origin="config")
        log.info("HERALD_CHANNELS %s: the bot can post there again; enabled", target)
    if await get_meta(sessions, notice_key(target)):
        await set_meta(sessions, notice_key(target), "")
