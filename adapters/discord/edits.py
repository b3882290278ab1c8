"""Edit or delete a card Herald posted to Discord: PATCH the message with the new render (content,
embeds and the images attached for hosts that block hotlinking), or DELETE it.

A message Discord will not change any more (deleted by someone: 10008 Unknown Message; posted by
someone else, e.g. a webhook: 50005; too many edits of an old message: 30046; posted by a webhook
someone deleted since: 10015) raises `Stale`: the edit is dropped, not retried. A message Herald
posted through a webhook is changed the same way through that webhook
(`adapters.discord.webhooks.WebhookMessage`). Everything else maps as for sends
(`adapters.discord.outlet`).

A message in an archived thread cannot be changed (400 / 50083, for the bot's messages and a
webhook's alike): the thread is unarchived (`reopen`, as a send does) and the change made again,
once. When Discord will not unarchive it (locked, no Manage Threads) or it is archived again at
once, the change is `Stale`: dropped, and the target goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.threads import ARCHIVED
from adapters.discord.webhooks import WebhookMessage
from bot.delivery.errors import DeliveryError, Stale

__all__ = ["STALE_CODES", "Changeable", "Reopen", "delete_message", "edit_message"]

STALE_CODES = frozenset({10008, 50005, 30046, 10015, ARCHIVED})
"""Unknown Message, Cannot edit a message authored by another user, Maximum number of edits to
messages older than 1 hour reached, Unknown Webhook (the webhook that posted it was deleted),
Thread is archived (once unarchiving was refused or did not hold)."""
MISSING_PERMISSIONS = 50013

Attach = Callable[[dict[str, Any]], Awaitable[tuple[dict[str, Any], list[discord.File], dict[str, Any]]]]
Mapper = Callable[[BaseException], DeliveryError]
Reopen = Callable[[], Awaitable[None]]
"""Unarchive the thread the message is in (raises discord.py's errors)."""


Changeable = discord.PartialMessage | WebhookMessage
"""A posted message: the bot's (`discord.PartialMessage`) or a webhook's."""


def edit_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn a create_message payload into `PartialMessage.edit` keywords: what is not in the new
    card (content, embeds) is cleared; notification flags only apply to new messages."""
    embeds = payload.get("embeds") or []
    return {
        "content": payload.get("content") or None,
        "embeds": [discord.Embed.from_dict(embed) for embed in embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }


def _stale(exc: BaseException) -> Stale | None:
    if isinstance(exc, discord.HTTPException) and exc.code in STALE_CODES:
        return Stale(f"discord {exc.status}/{exc.code}: {(exc.text or '').splitlines()[0][:200] if exc.text else ''}")
    return None


async def edit_message(
    message: Changeable, payload: dict[str, Any], *, attach: Attach, to_outcome: Mapper, reopen: Reopen | None = None
) -> None:
    """PATCH the message to show `payload`; its images attached where the send would attach them
    (linked when the channel refuses attachments). In an archived thread, `reopen` it and edit
    again, once."""
    attached, files, linked = await attach(payload)

    async def change() -> None:
        for file in files:
            file.reset()  # read again on a second attempt
        try:
            await message.edit(**edit_kwargs(attached), attachments=files)
        except discord.Forbidden as exc:
            if not files or exc.code != MISSING_PERMISSIONS:
                raise
            await message.edit(**edit_kwargs(linked), attachments=[])

    await _reopening(change, reopen, to_outcome)


async def delete_message(message: Changeable, *, to_outcome: Mapper, reopen: Reopen | None = None) -> None:
    """DELETE the message (in an archived thread that refuses it: `reopen` it and again, once)."""
    await _reopening(message.delete, reopen, to_outcome)


async def _reopening(change: Callable[[], Awaitable[None]], reopen: Reopen | None, to_outcome: Mapper) -> None:
    """Run `change`; when the thread is archived, unarchive it and run it again, once. Every
    failure becomes a delivery outcome; one Discord will not allow is `Stale`."""
    try:
        try:
            await change()
        except discord.HTTPException as exc:
            if exc.code != ARCHIVED or reopen is None:
                raise
            try:
                await reopen()
            except discord.Forbidden as refused:
                reason = f"discord {refused.status}/{refused.code}: the thread is archived and I may not unarchive it"
                raise Stale(reason) from None
            await change()
    except asyncio.CancelledError:
        raise
    except Stale:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
        raise (_stale(exc) or to_outcome(exc)) from None
