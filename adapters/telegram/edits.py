"""Edit or delete a card Herald sent to Telegram, within the Bot API's rules.

A card is one request: a captioned photo (`sendPhoto`) or a text message (`sendMessage`). Herald
does not store which one a message ended up as (a photo whose image Telegram could not fetch went
out as text), so each edit tries the method that matches the new card and falls back on
Telegram's answer:

- a photo card whose image changed: `editMessageMedia` (it also turns a text message into a
  photo); when Telegram cannot use the image, the caption is edited instead;
- a photo card with the same image: `editMessageCaption`; a text message ("there is no caption in
  the message to edit") gets `editMessageText` with the caption's words;
- a text card: `editMessageText`; a photo message ("there is no text in the message to edit", the
  article lost its image) keeps its photo and gets `editMessageCaption`.

"Message is not modified" is success. A message Telegram will not change any more (deleted by
someone, too old, never there) raises `Stale`: the edit is dropped, not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from adapters.telegram.calls import call, is_ambiguous
from adapters.telegram.errors import delivery_error, is_unusable_photo
from adapters.telegram.rates import FREE_RATE, HEADROOM, OVERALL_BURST
from bot.clock import SystemClock
from bot.delivery.errors import Ambiguous, Stale
from bot.delivery.ratelimit import Rate, RateLimiter, RateLimits
from bot.request import Request

__all__ = ["FreePace", "delete_card", "edit_card", "message_number"]

_NOT_MODIFIED = "message is not modified"
_STALE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "message to delete not found",
    "message can't be deleted",
    "message identifier is not specified",
    "message caption is too long",  # a long text card cannot become a photo's caption
)
_NO_TEXT = "there is no text in the message to edit"
_NO_CAPTION = "there is no caption in the message to edit"
_NO_MEDIA = "there is no media in the message to edit"
_SEND_ONLY = ("disable_notification", "allow_paid_broadcast", "message_thread_id", "protect_content",
              "reply_parameters", "reply_to_message_id")
"""Parameters of a send that an edit does not take."""


class _Refused(Exception):
    """Telegram refused this method for this kind of message: try the other one."""


class _Unusable(Exception):
    """Telegram could not use the image given to editMessageMedia (or would not put one there)."""


def _says(exc: TelegramError, phrases: tuple[str, ...] | str) -> bool:
    text = (exc.message or "").lower()
    return any(p in text for p in ((phrases,) if isinstance(phrases, str) else phrases))


async def _edit(
    bot: Bot, chat: int | str, message_id: int, method: str, params: dict[str, Any], redact: Callable[[str], str],
    *, refused: tuple[str, ...] = (), photo: bool = False,
) -> None:  # fmt: skip
    """Call one edit method; raise `_Refused` on `refused` answers, `_Unusable` when `photo` and
    Telegram cannot use it, `Stale`, or the delivery outcome."""
    try:
        await call(bot, chat, Request(method, {**params, "message_id": message_id}))
    except TelegramError as exc:
        if isinstance(exc, BadRequest):
            if _says(exc, _NOT_MODIFIED):
                return
            if refused and _says(exc, refused):
                raise _Refused(exc.message) from None
            if photo and (is_unusable_photo(exc) or _says(exc, _NO_MEDIA)):
                raise _Unusable(exc.message) from None
            if _says(exc, _STALE):
                raise Stale(redact(exc.message)) from None
        if is_ambiguous(exc):
            raise Ambiguous(redact(f"{type(exc).__name__}: {exc.message}")) from None
        raise delivery_error(exc, redact) from None


async def edit_card(
    bot: Bot,
    chat: int | str,
    message_id: int,
    request: Request,
    *,
    media: bool,
    photo_ref: str | None,
    redact: Callable[[str], str],
) -> None:
    """Make the message show the card `request` renders (see the module docstring);
    `photo_ref` is the image's cached file id, if any."""
    params = {k: v for k, v in request.params.items() if k not in _SEND_ONLY}
    markup = {"reply_markup": params["reply_markup"]} if "reply_markup" in params else {}
    mode = {"parse_mode": params["parse_mode"]} if "parse_mode" in params else {}
    if request.method.lower() == "sendphoto":
        url, caption = params.get("photo"), params.get("caption") or ""
        if media and isinstance(url, str):
            for ref in dict.fromkeys(r for r in (photo_ref, url) if r):
                photo = {"type": "photo", "media": ref, "caption": caption, **mode}
                try:
                    await _edit(
                        bot, chat, message_id, "editMessageMedia", {"media": photo, **markup}, redact, photo=True
                    )
                    return
                except _Unusable:  # a stale file id, or an image Telegram cannot fetch: next, or the caption
                    continue
        try:
            await _edit(
                bot, chat, message_id, "editMessageCaption", {"caption": caption, **mode, **markup}, redact,
                refused=(_NO_CAPTION,),
            )  # fmt: skip
        except _Refused:  # a text message (its photo never went out): its words change
            words = {"text": caption, **mode, "link_preview_options": {"is_disabled": True}, **markup}
            await _edit(bot, chat, message_id, "editMessageText", words, redact)
        return
    text = params.get("text") or ""
    try:
        await _edit(
            bot, chat, message_id, "editMessageText",
            {"text": text, **mode, **{k: params[k] for k in ("link_preview_options",) if k in params}, **markup},
            redact, refused=(_NO_TEXT,),
        )  # fmt: skip
    except _Refused:  # a photo message whose article lost its image: the photo stays
        await _edit(bot, chat, message_id, "editMessageCaption", {"caption": text, **mode, **markup}, redact)


async def delete_card(bot: Bot, chat: int | str, message_id: int, redact: Callable[[str], str]) -> None:
    """Delete the message; `Stale` when Telegram will not (already gone, too old)."""
    try:
        await call(bot, chat, Request("deleteMessage", {"message_id": message_id}))
    except TelegramError as exc:
        if isinstance(exc, BadRequest) and _says(exc, _STALE):
            raise Stale(redact(exc.message)) from None
        if is_ambiguous(exc):
            raise Ambiguous(redact(f"{type(exc).__name__}: {exc.message}")) from None
        raise delivery_error(exc, redact) from None


def message_number(message_id: str) -> int:
    """Return a stored message id as the Bot API's integer (`Stale` when it is not one)."""
    try:
        return int(message_id)
    except ValueError:
        raise Stale(f"not a Telegram message id: {message_id[:40]}") from None


class FreePace:
    """Edits carry no `allow_paid_broadcast` (only sends take it), so with paid broadcasts on, when
    the delivery engine paces broadcasts at the paid 1,000 a second, edits and deletions also
    keep to the free overall rate here (per process)."""

    def __init__(self, rate: float = FREE_RATE) -> None:
        limits = RateLimits(
            overall=Rate(rate * (1.0 - HEADROOM), 1.0, burst=OVERALL_BURST),
            per_channel=Rate(1_000_000, 1.0, burst=1_000_000),  # the engine keeps the per-chat limits
            classes=(),
        )
        self._limiter = RateLimiter(limits, SystemClock())

    async def turn(self, chat: int | str) -> None:
        """Wait for the next free slot."""
        await self._limiter.acquire(str(chat), "edit")
