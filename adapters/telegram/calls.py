"""Run one rendered `Request` through python-telegram-bot's typed methods.

Renderers produce Bot API parameters as plain JSON-shaped values; PTB's methods want its own
objects for some of them (inline keyboards, link preview options). Converting here keeps the
renderers pure and lets PTB do the serialisation, the file uploads and the error mapping.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.request import Request

SEND_READ_TIMEOUT = 35.0
"""Seconds to wait for the answer to a send. A send that times out after it was written may
have arrived (Telegram has no idempotency key), so this is long: such a send is rare."""
SEND_WRITE_TIMEOUT = 35.0
MEDIA_WRITE_TIMEOUT = 60.0
"""Uploads of downloaded images take longer to write."""
CONNECT_TIMEOUT = 10.0
"""A connection that was never made sent nothing: retrying it is safe."""
_UNANSWERED = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)
"""httpx errors raised after the request was written: the server may have acted on it."""


def send_timeouts() -> dict[str, float]:
    """Return the HTTPXRequest timeouts for the bot's sends (read at build time)."""
    return {
        "read_timeout": SEND_READ_TIMEOUT,
        "write_timeout": SEND_WRITE_TIMEOUT,
        "media_write_timeout": MEDIA_WRITE_TIMEOUT,
        "connect_timeout": CONNECT_TIMEOUT,
    }


def is_ambiguous(exc: TelegramError) -> bool:
    """Tell whether a failed call may have reached Telegram: the request was written and then
    the answer timed out or the connection dropped (a pool or connect timeout sent nothing)."""
    return isinstance(exc, (TimedOut, NetworkError)) and isinstance(exc.__cause__, _UNANSWERED)

_METHODS = {
    "sendmessage": "send_message",
    "sendphoto": "send_photo",
    "editmessagetext": "edit_message_text",
    "editmessagereplymarkup": "edit_message_reply_markup",
    "editmessagecaption": "edit_message_caption",
    "answercallbackquery": "answer_callback_query",
}


def _typed(bot: Bot, key: str, value: Any) -> Any:
    if key == "reply_markup" and isinstance(value, dict):
        return InlineKeyboardMarkup.de_json(value, bot)
    if key == "link_preview_options" and isinstance(value, dict):
        return LinkPreviewOptions.de_json(value, bot)
    return value


@lru_cache(maxsize=32)
def _accepted(name: str) -> frozenset[str]:
    """Return the keyword parameters PTB's `Bot.<name>` takes."""
    return frozenset(inspect.signature(getattr(Bot, name)).parameters)


async def call(bot: Bot, chat_id: int | str, request: Request, **overrides: Any) -> Message | bool | Any:
    """Send `request` to `chat_id` and return PTB's result (a Message for sends and edits)."""
    params: dict[str, Any] = {**request.params, **overrides}
    method = _METHODS.get(request.method.lower())
    if method is None:
        return await bot.do_api_request(request.method, api_kwargs={"chat_id": chat_id, **params})
    accepted = _accepted(method)
    kwargs = {key: _typed(bot, key, value) for key, value in params.items() if key in accepted}
    extra = {key: value for key, value in params.items() if key not in accepted}
    if "chat_id" in accepted:
        kwargs["chat_id"] = chat_id
    return await getattr(bot, method)(**kwargs, api_kwargs=extra or None)
