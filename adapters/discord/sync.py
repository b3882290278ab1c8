"""Register the slash commands with Discord only when their definitions changed.

Discord allows about 200 command creates a day per guild, so each scope's last synced
definitions are remembered as a hash in the `meta` table, per application: a restart with the
same commands sends nothing. Guild scopes (`HERALD_DISCORD_GUILD_IDS`) update instantly; the
global scope is used when no guild is configured, and emptied once guilds take over. A scope
that fails (say, a guild the bot is not in) is logged and skipped, its hash left unstored so the
next start tries it again; the other scopes sync regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

import aiohttp
import discord

from adapters.discord.commands import fingerprint

log = logging.getLogger("herald.discord.sync")

GLOBAL = "global"


class MetaStore(Protocol):
    """Where the fingerprints live: the platform's own facts (`bot.store.platform_store`)."""

    async def fact(self, key: str) -> str | None: ...

    async def remember_fact(self, key: str, value: str) -> None: ...


def meta_key(application_id: int, scope: str) -> str:
    """Return the meta key of one application's command scope (`global` or a guild id)."""
    return f"discord.commands.{application_id}.{scope}"


def guild_ids(values: Sequence[str]) -> list[int]:
    """Parse the configured guild ids, skipping (and logging) anything that is not one."""
    ids = []
    for value in values:
        if value.strip().isdecimal():
            ids.append(int(value))
        else:
            log.warning("HERALD_DISCORD_GUILD_IDS: %r is not a guild id; ignored", value[:40])
    return ids


async def _overwrite(scope: str, call: Awaitable[Any]) -> bool:
    """Run one scope's bulk overwrite; log a failure (status and Discord's message) and say so."""
    try:
        await call
    except discord.HTTPException as exc:
        text = (exc.text or "").splitlines()[0][:200] if exc.text else ""
        log.error("could not sync slash commands to %s: %s %s %s", scope, exc.status, exc.code, text)
        return False
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.error("could not sync slash commands to %s: %s", scope, type(exc).__name__)
        return False
    return True


async def sync_commands(
    http: discord.http.HTTPClient,
    application_id: int,
    payloads: list[dict[str, Any]],
    guilds: Sequence[int],
    meta: MetaStore,
) -> list[str]:
    """Overwrite the commands of every scope whose stored hash differs; return the scopes synced.

    A failing scope is logged and skipped (its hash is not stored, so it is retried next time).
    """
    digest = fingerprint(payloads)
    synced: list[str] = []
    failed: list[str] = []
    for guild_id in guilds:
        key = meta_key(application_id, str(guild_id))
        if await meta.fact(key) == digest:
            continue
        scope = f"guild {guild_id}"
        if await _overwrite(scope, http.bulk_upsert_guild_commands(application_id, guild_id, payload=payloads)):
            await meta.remember_fact(key, digest)
            synced.append(str(guild_id))
        else:
            failed.append(str(guild_id))
    global_key = meta_key(application_id, GLOBAL)
    wanted = fingerprint([]) if guilds else digest
    stored = await meta.fact(global_key)
    if stored != wanted and (stored is not None or not guilds):
        # With guilds configured, clear global commands once, or each would show twice.
        call = http.bulk_upsert_global_commands(application_id, payload=[] if guilds else payloads)
        if await _overwrite("the global scope", call):
            await meta.remember_fact(global_key, wanted)
            synced.append(GLOBAL)
        else:
            failed.append(GLOBAL)
    if synced:
        log.info("slash commands synced: %s", ", ".join(synced))
    elif not failed:
        log.info("slash commands unchanged; not synced")
    if failed:
        log.warning("slash commands not synced to %s; retried at the next start", ", ".join(failed))
    return synced
