"""Run one rendered `Request` through python-telegram-bot, and read what its answer says.

Renderers produce Bot API parameters as plain JSON-shaped values; PTB serialises them (uploads
included), makes the call and maps the errors. Which failures may have reached Telegram is the
transport's call (`adapters.telegram.transport`).
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut

from adapters.telegram.transport import is_unanswered
from bot.request import Request

SEND_READ_TIMEOUT = 35.0
"""Seconds to wait for the answer to a send. A send that times out after it was written may
have arrived (Telegram has no idempotency key), so this is long: such a send is rare."""
SEND_WRITE_TIMEOUT = 35.0
MEDIA_WRITE_TIMEOUT = 60.0
"""Uploads of downloaded images take longer to write."""
CONNECT_TIMEOUT = 10.0
"""A connection that was never made sent nothing: retrying it is safe."""


def send_timeouts() -> dict[str, float]:
    """Return the transport's timeouts for the bot's sends (read at build time)."""
    return {
        "read_timeout": SEND_READ_TIMEOUT,
        "write_timeout": SEND_WRITE_TIMEOUT,
        "media_write_timeout": MEDIA_WRITE_TIMEOUT,
        "connect_timeout": CONNECT_TIMEOUT,
    }


def is_ambiguous(exc: TelegramError) -> bool:
    """Tell whether a failed call may have reached Telegram: the request was written and then
    the answer timed out or the connection dropped (a pool or connect timeout sent nothing)."""
    return isinstance(exc, (TimedOut, NetworkError)) and is_unanswered(exc.__cause__)

_NO_CHAT = frozenset({"answercallbackquery", "answerinlinequery"})
"""Methods that address no chat (their target is in the request itself)."""


async def call(bot: Bot, chat_id: int | str, request: Request, **overrides: Any) -> dict[str, Any] | bool | Any:
    """Send `request` to `chat_id` and return the Bot API's result as JSON (a message is a dict).

    PTB serialises the parameters (JSON-shaped values, `InputFile` uploads), makes the call and
    maps every error; its typed methods would also build a full `Message` from each answer, which
    costs more CPU than the rest of a send and is never read: only the message id and a photo's
    file id are. Bot API method names are case-insensitive, and the lower-case name is the one PTB
    has no typed method for (it warns when `do_api_request` is given one it has)."""
    method = request.method.lower()
    params: dict[str, Any] = {**request.params, **overrides}
    if method not in _NO_CHAT:
        params["chat_id"] = chat_id
    return await bot.do_api_request(method, api_kwargs=params)


def message_id(result: Any) -> str | None:
    """Return the id of the message a call's result describes (None for other results)."""
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return str(result["message_id"])
    return None


def photo_file_id(result: Any) -> str | None:
    """Return the file id of the largest size of the photo a sent message carries, if any."""
    sizes = result.get("photo") if isinstance(result, dict) else None
    if isinstance(sizes, list) and sizes and isinstance(sizes[-1], dict):
        file_id = sizes[-1].get("file_id")
        return file_id if isinstance(file_id, str) else None
    return None
