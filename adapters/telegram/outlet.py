"""The delivery outlet for Telegram: send rendered requests with python-telegram-bot.

A send that was written but never answered (read timeout, dropped connection) raises
`Ambiguous`: it may have arrived, and Telegram has no idempotency key, so it is not sent again.
A photo goes by its cached file id when there is one, else by URL; when Telegram cannot fetch
the URL, the image is downloaded here and uploaded; when that fails too, the caption goes out
as a text message. PTB errors become the core's delivery outcomes (`adapters.telegram.errors`).

With paid broadcasts on, every request `render` returns (the delivery engine's broadcasts) carries
`allow_paid_broadcast`; command replies, rendered elsewhere, never do.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from adapters.fetch import ImageDownloader
from adapters.telegram.calls import call, is_ambiguous, message_id, photo_file_id
from adapters.telegram.digest import render_digest
from adapters.telegram.errors import delivery_error, is_unusable_photo
from adapters.telegram.media import PhotoCache, image_upload
from adapters.telegram.render import render_summary
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.delivery.errors import Ambiguous, DeliveryError, RateLimited, Transient
from bot.delivery.retry import send_retrying
from bot.digests import Digest
from bot.request import Request
from bot.summary.model import Summary

log = logging.getLogger("herald.telegram.outlet")

_INLINE_WAIT = 30.0
"""Within a multi-message reply, wait out a 429 this long at most instead of resending it all."""
_INLINE_TRIES = 4


def chat_ref(channel_id: str) -> int | str:
    """Return the Bot API chat_id for a channel id: a number, or an "@username"."""
    return int(channel_id) if re.fullmatch(r"-?\d+", channel_id) else channel_id


def as_text(request: Request) -> Request | None:
    """Return a photo request as the text message that replaces it (None without a caption)."""
    params = dict(request.params)
    caption = params.pop("caption", None)
    params.pop("photo", None)
    if not caption:
        return None
    params["text"] = caption
    params.setdefault("link_preview_options", {"is_disabled": True})
    return Request("sendMessage", params)


def _ready(bot: Bot) -> bool:
    """Tell whether the bot is initialised (PTB has no public flag for it)."""
    return bool(getattr(bot, "_requests_initialized", False) and getattr(bot, "_bot_initialized", False))


class TelegramOutlet:
    """Send to Telegram chats for the delivery engine and for command replies."""

    name = "telegram"

    def __init__(
        self,
        bot: Bot,
        *,
        photos: PhotoCache,
        fetcher: ImageDownloader,
        redact: Callable[[str], str],
        paid_broadcast: bool = False,
    ) -> None:
        self._bot = bot
        self._paid = paid_broadcast
        self._photos = photos
        self._fetcher = fetcher
        self._redact = redact
        self._ready = asyncio.Lock()

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card as a captioned photo (or a text message); `plain`: without markup.
        Only broadcasts are rendered here: with paid broadcasts on, each carries the flag."""
        return self._paid_flag(render_summary(summary, lang=lang, plain=plain, style=style))

    def render_digest(
        self, digest: Digest, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a digest as text messages (with the paid-broadcast flag like any broadcast)."""
        return self._paid_flag(render_digest(digest, lang=lang, plain=plain, style=style))

    def _paid_flag(self, requests: list[Request]) -> list[Request]:
        if self._paid:
            return [Request(r.method, {**r.params, "allow_paid_broadcast": True}) for r in requests]
        return requests

    def channel_class(self, channel_id: str) -> str:
        """Groups, supergroups and channels have negative ids or @names; users positive ids."""
        return "group" if channel_id.startswith(("-", "@")) else "private"

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        """Send every request in order and return the first message's id."""
        await self._ensure_ready()
        chat = chat_ref(channel_id)
        first: str | None = None
        for index, request in enumerate(requests):
            result = await self._send_with_waits(chat, request, started=index > 0)
            if first is None:
                first = message_id(result)
        return first or ""

    async def _ensure_ready(self) -> None:
        """Initialise the bot once (it is also re-initialised if the runtime shut it down)."""
        if _ready(self._bot):
            return
        async with self._ready:
            if not _ready(self._bot):
                try:
                    await self._bot.initialize()
                except TelegramError as exc:
                    raise delivery_error(exc, self._redact) from None

    async def _send_with_waits(self, chat: int | str, request: Request, *, started: bool) -> Any:
        """Send one request. Once part of a reply went out, wait out 429s here: resending the
        whole list would duplicate what the chat already has."""

        async def recover(exc: DeliveryError, last: bool) -> None:
            if not started or not isinstance(exc, (RateLimited, Transient)):
                raise exc
            wait = exc.retry_after if isinstance(exc, RateLimited) else 1.0
            if wait > _INLINE_WAIT:
                raise exc
            if not last:
                await asyncio.sleep(wait)

        return await send_retrying(lambda: self._send_one(chat, request), tries=_INLINE_TRIES, recover=recover)

    async def _send_one(self, chat: int | str, request: Request) -> Any:
        photo = request.params.get("photo")
        try:
            if request.method.lower() == "sendphoto" and isinstance(photo, str) and "://" in photo:
                return await self._send_photo(chat, request, photo)
            return await call(self._bot, chat, request)
        except TelegramError as exc:
            if is_ambiguous(exc):  # written, unanswered: it may be in the chat already
                raise Ambiguous(self._redact(f"{type(exc).__name__}: {exc.message}")) from None
            raise delivery_error(exc, self._redact) from None

    async def _send_photo(self, chat: int | str, request: Request, url: str) -> Any:
        if self._photos.is_broken(url):
            return await self._send_text(chat, request)
        file_id = await self._photos.get(url)
        if file_id is not None:
            try:
                return await call(self._bot, chat, request, photo=file_id)
            except TelegramError as exc:
                if not is_unusable_photo(exc):
                    raise
                await self._photos.forget(url)
        async with self._photos.first_send(url):
            file_id = await self._photos.get(url)  # another sender may have just stored one
            if file_id is not None:
                return await call(self._bot, chat, request, photo=file_id)
            message = await self._photo_by_url_or_upload(chat, request, url)
            if message is None:
                self._photos.mark_broken(url)
                return await self._send_text(chat, request)
            file_id = photo_file_id(message)
            if file_id is not None:
                await self._photos.put(url, file_id)
            return message

    async def _photo_by_url_or_upload(self, chat: int | str, request: Request, url: str) -> Any | None:
        """Send by URL, else download and upload; None when Telegram can use neither."""
        try:
            return await call(self._bot, chat, request)
        except TelegramError as exc:
            if not is_unusable_photo(exc):
                raise
            log.info("Telegram could not fetch %s (%s); uploading it", url[:200], exc.message)
        data = await self._fetcher.fetch(url)
        if data is None:
            return None
        try:
            return await call(self._bot, chat, request, photo=image_upload(data))
        except TelegramError as exc:
            if not is_unusable_photo(exc):
                raise
            log.info("Telegram refused the uploaded image %s (%s)", url[:200], exc.message)
            return None

    async def _send_text(self, chat: int | str, request: Request) -> Any:
        text = as_text(request)
        if text is None:
            return None  # a photo inside an article without a caption: nothing to say instead
        return await call(self._bot, chat, text)
