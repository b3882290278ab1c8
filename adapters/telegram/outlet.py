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
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from adapters.fetch import ImageDownloader
from adapters.telegram.calls import call, is_ambiguous, message_id, photo_file_id
from adapters.telegram.digest import render_digest
from adapters.telegram.edits import FreePace, delete_card, edit_card, message_number
from adapters.telegram.errors import delivery_error, is_unusable_photo
from adapters.telegram.media import PhotoCache, image_upload
from adapters.telegram.render import render_summary
from adapters.telegram.targets import chat_ref, split_topic, topic_channel_id
from adapters.telegram.template_fit import telegram_templates
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.delivery.errors import Ambiguous, DeliveryError, Migrated, RateLimited, Transient
from bot.delivery.retry import send_retrying
from bot.digests import Digest
from bot.request import Request
from bot.summary.model import Summary
from bot.templating import CardTemplates, TemplateSource

log = logging.getLogger("herald.telegram.outlet")

_INLINE_WAIT = 30.0
"""Within a multi-message reply, wait out a 429 this long at most instead of resending it all."""
_INLINE_TRIES = 4


__all__ = ["TelegramOutlet", "as_text", "chat_ref", "in_topic"]


def in_topic(request: Request, thread_id: int | None) -> Request:
    """Return a send request addressed to a forum topic (`message_thread_id`); edits, deletions
    and a chat outside any topic keep the request as it is (a message id names the message)."""
    if thread_id is None or not request.method.lower().startswith("send"):
        return request
    return Request(request.method, {**request.params, "message_thread_id": thread_id})


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

    _layouts: CardTemplates | None = None
    """The operator's card templates (`HERALD_TEMPLATES`), once `use_templates` set them."""

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card as a captioned photo (or a text message); `plain`: without markup.
        Only broadcasts are rendered here: with paid broadcasts on, each carries the flag.
        The platform's template, when there is one, writes the caption or text."""
        return self.render_in("", summary, plain=plain, lang=lang, style=style)

    def render_in(
        self, channel_id: str, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card for one chat: with its own template, else the platform's, else the default."""
        template = self._layouts.layout_for(channel_id) if self._layouts else None
        return self._paid_flag(render_summary(summary, lang=lang, plain=plain, style=style, template=template))

    def use_templates(self, sources: Sequence[TemplateSource]) -> None:
        """Compile and keep the Telegram templates among `sources`."""
        self._layouts = telegram_templates(sources)

    def layout(self, channel_id: str) -> str:
        """Return the template file `channel_id`'s cards use ("" for the default card)."""
        return self._layouts.layout(channel_id) if self._layouts else ""

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
        """Send every request in order and return the first message's id; a forum topic's
        channel id (`<chat>:<thread>`) sends into that topic."""
        await self._ensure_ready()
        chat, thread = split_topic(channel_id)
        first: str | None = None
        try:
            for index, request in enumerate(requests):
                result = await self._send_with_waits(chat, in_topic(request, thread), started=index > 0)
                if first is None:
                    first = message_id(result)
        except Migrated as exc:  # a group upgraded to a supergroup: its topic moves with it
            raise Migrated(topic_channel_id(exc.new_channel_id, thread), exc.reason) from None
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

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        """Make a card already sent show the new render (`adapters.telegram.edits`): its first
        request edits the message; `media` when the image changed. `Stale` when Telegram will
        not edit it any more."""
        await self._ensure_ready()
        if not requests:
            return
        request = requests[0]
        url = request.params.get("photo")
        photo_ref = await self._photos.get(url) if media and isinstance(url, str) else None
        chat = split_topic(channel_id)[0]
        await self._free_turn(chat)
        await edit_card(
            self._bot, chat, message_number(message_id), request, media=media, photo_ref=photo_ref,
            redact=self._redact,
        )  # fmt: skip

    async def delete(self, channel_id: str, message_id: str) -> None:
        """Delete a card already sent; `Stale` when Telegram will not (gone, too old)."""
        await self._ensure_ready()
        chat = split_topic(channel_id)[0]
        await self._free_turn(chat)
        await delete_card(self._bot, chat, message_number(message_id), self._redact)

    async def _free_turn(self, chat: int | str) -> None:
        """With paid broadcasts on, hold edits and deletions to the free overall rate (`FreePace`)."""
        if not self._paid:
            return
        pace: FreePace | None = getattr(self, "_free_pace", None)
        if pace is None:
            pace = self._free_pace = FreePace()
        await pace.turn(chat)
