"""Edit or delete a card Herald posted to Discord: PATCH the message with the new render (content,
embeds and the images attached for hosts that block hotlinking), or DELETE it.

A message Discord will not change any more (deleted by someone: 10008 Unknown Message; posted by
someone else, e.g. a webhook: 50005; too many edits of an old message: 30046; posted by a webhook
someone deleted since: 10015) raises `Stale`: the edit is dropped, not retried. A message Herald
posted through a webhook is changed the same way through that webhook
(`adapters.discord.webhooks.WebhookMessage`). Everything else maps as for sends
(`adapters.discord.outlet`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.webhooks import WebhookMessage
from bot.delivery.errors import DeliveryError, Stale

__all__ = ["STALE_CODES", "Changeable", "delete_message", "edit_message"]

STALE_CODES = frozenset({10008, 50005, 30046, 10015})
"""Unknown Message, Cannot edit a message authored by another user, Maximum number of edits to
messages older than 1 hour reached, Unknown Webhook (the webhook that posted it was deleted)."""
MISSING_PERMISSIONS = 50013

Attach = Callable[[dict[str, Any]], Awaitable[tuple[dict[str, Any], list[discord.File], dict[str, Any]]]]
Mapper = Callable[[BaseException], DeliveryError]


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
    message: Changeable, payload: dict[str, Any], *, attach: Attach, to_outcome: Mapper
) -> None:
    """PATCH the message to show `payload`; its images attached where the send would attach them
    (linked when the channel refuses attachments)."""
    attached, files, linked = await attach(payload)
    try:
        try:
            await message.edit(**edit_kwargs(attached), attachments=files)
        except discord.Forbidden as exc:
            if not files or exc.code != MISSING_PERMISSIONS:
                raise
            await message.edit(**edit_kwargs(linked), attachments=[])
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
        raise (_stale(exc) or to_outcome(exc)) from None


async def delete_message(message: Changeable, *, to_outcome: Mapper) -> None:
    """DELETE the message."""
    try:
        await message.delete()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
        raise (_stale(exc) or to_outcome(exc)) from None
