"""The Discord transport of the delivery engine: post rendered payloads to a channel through
discord.py's HTTP client, with a nonce so a retried send never duplicates, images attached for
hosts that block hotlinking, and discord.py's errors mapped to the core's outcomes.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from adapters.discord.digest import render_digest
from adapters.discord.images import EmbedImages
from adapters.discord.render import (
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    render_plain_summary,
    render_summary,
)
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.delivery.errors import BadFormat, DeliveryError, Gone, RateLimited, Transient
from bot.delivery.ratelimit import Rate, RateLimits
from bot.digests import Digest
from bot.request import Request
from bot.summary.model import Summary

log = logging.getLogger("herald.discord.outlet")

NONCE_LENGTH = 25
"""Discord accepts nonces of at most 25 characters."""
GONE_CODES = frozenset({10003, 10015, 50001, 50013})
"""Unknown Channel, Unknown Webhook, Missing Access, Missing Permissions: stop sending there."""
MISSING_PERMISSIONS = 50013

LIMITS = RateLimits(
    overall=Rate(50, 1.0, burst=10),  # 50 requests/second per bot (discord.py handles any 429)
    per_channel=Rate(5, 5.0, burst=5),  # Discord's usual bucket for messages in one channel
    classes=(),
    defer_after=2.0,
)

ClientGetter = Callable[[], Awaitable[discord.Client]]


def nonce_of(channel_id: str, index: int, payload: dict[str, Any]) -> str:
    """Return the nonce of one message of a delivery: the same channel and payload, the same nonce."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(f"{channel_id}\n{index}\n{body}".encode()).hexdigest()
    return digest[:NONCE_LENGTH]


def delivery_error(exc: BaseException) -> DeliveryError:
    """Map a discord.py (or network) error to the delivery outcome it means."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = f"discord {exc.status}/{exc.code}: {(exc.text or '').splitlines()[0][:200] if exc.text else ''}"
        if exc.code in GONE_CODES or isinstance(exc, discord.NotFound):
            return Gone(reason)
        if isinstance(exc, discord.Forbidden):
            return Gone(reason)
        if exc.status >= 500 or exc.status == 429:
            return Transient(reason)
        if exc.status == 400:
            return BadFormat(reason)
        return Transient(reason)
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError, discord.ConnectionClosed)):
        return Transient(f"network: {type(exc).__name__}")
    return Transient(f"unexpected {type(exc).__name__}")


def message_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn a create_message payload into discord.py `send` keywords."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if payload.get("content"):
        kwargs["content"] = payload["content"]
    embeds = payload.get("embeds") or []
    if embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(embed) for embed in embeds]
    flags = int(payload.get("flags") or 0)
    if flags & SUPPRESS_NOTIFICATIONS:
        kwargs["silent"] = True
    if flags & SUPPRESS_EMBEDS:
        kwargs["suppress_embeds"] = True
    return kwargs


class DiscordOutlet:
    """Send rendered requests to Discord channels for the delivery engine."""

    name = "discord"

    def __init__(self, client: ClientGetter, images: EmbedImages) -> None:
        self._client = client
        self._images = images

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card as one embed, or as plain text when the embed was refused, both in the
        subscription's `style`."""
        if not plain:
            return render_summary(summary, lang=lang, style=style)
        return render_plain_summary(summary, style=style)

    def render_digest(
        self, digest: Digest, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a digest as one message."""
        return render_digest(digest, lang=lang, plain=plain, style=style)

    def channel_class(self, channel_id: str) -> str:
        """Every Discord channel shares one per-channel rate."""
        return "channel"

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        """Post each request to the channel; return the first message's id."""
        try:
            client = await self._client()
            channel = client.get_partial_messageable(int(channel_id))
        except DeliveryError:
            raise
        except ValueError:
            raise Gone(f"not a Discord channel id: {channel_id[:40]}") from None
        first = ""
        for index, request in enumerate(requests):
            message_id = await self._send_one(channel, channel_id, index, request.params)
            first = first or message_id
        return first

    async def _send_one(
        self, channel: discord.PartialMessageable, channel_id: str, index: int, payload: dict[str, Any]
    ) -> str:
        nonce = nonce_of(channel_id, index, payload)
        attached, files, linked = await self._attach(payload)
        try:
            try:
                message = await channel.send(**message_kwargs(attached), files=files or [], nonce=nonce)
            except discord.Forbidden as exc:
                if not files or exc.code != MISSING_PERMISSIONS:
                    raise
                # No Attach Files here: the hotlinked image is better than nothing.
                log.info("channel %s refuses attachments; sending the image as a link", channel_id)
                message = await channel.send(**message_kwargs(linked), nonce=nonce)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None
        return str(message.id)

    async def _attach(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], list[discord.File], dict[str, Any]]:
        """Attach the embed images Discord cannot hotlink; return the payload, its files, and the
        payload to send where attaching is not allowed.

        Images are attached for configured hosts and for hosts a probe finds blocking. A blocked
        image that cannot be downloaded either is dropped rather than shown broken; an image of a
        configured host stays a link then. No image ever fails the delivery.
        """
        embeds = payload.get("embeds") or []
        if not any((e.get("image") or {}).get("url") for e in embeds):
            return payload, [], payload
        attached, linked = copy.deepcopy(payload), copy.deepcopy(payload)
        files: dict[str, bytes] = {}
        for embed, fallback in zip(attached["embeds"], linked["embeds"], strict=True):
            url = (embed.get("image") or {}).get("url", "")
            if not url:
                continue
            forced = self._images.wants(url)
            if not forced and not await self._images.blocked(url):
                continue
            if not forced:
                fallback.pop("image")  # Discord would show it empty
            download = await self._images.fetch(url, embed.get("url"))
            if download is None:
                if not forced:
                    embed.pop("image")
                continue
            files.setdefault(download.filename, download.data)
            embed["image"] = {**embed["image"], "url": f"attachment://{download.filename}"}
        attached, linked = _without_empty_embeds(attached, payload), _without_empty_embeds(linked, payload)
        attached_files = [discord.File(io.BytesIO(data), filename=name) for name, data in files.items()]
        return attached, attached_files, linked


_VISIBLE = ("title", "description", "fields", "image", "thumbnail", "author", "footer")


def _without_empty_embeds(changed: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """Drop embeds left with nothing to show (an image-only embed whose image was dropped)."""
    embeds = [e for e in changed.get("embeds") or [] if any(e.get(key) for key in _VISIBLE)]
    if not embeds and not changed.get("content"):
        return original  # a broken image is better than an empty message Discord refuses
    return {**changed, "embeds": embeds}
