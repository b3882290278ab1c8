"""Map python-telegram-bot errors to the delivery outcomes the core understands.

PTB normalises Bot API descriptions (strips "Bad Request: ", lower-cases the first letter), so
every match here is on lower-cased substrings. Reasons are redacted: PTB's InvalidToken and
network errors can quote the request URL, which carries the token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from telegram import error as tg

from bot.delivery.errors import BadFormat, DeliveryError, Gone, Migrated, RateLimited, Transient

Redact = Callable[[str], str]

# BadRequest descriptions that mean "this chat is not reachable": stop sending there.
_GONE = (
    "chat not found",
    "need administrator rights",
    "not enough rights",
    "have no rights to send",
    "chat_write_forbidden",
    "user is deactivated",
    "peer_id_invalid",
    "bot was kicked",
    "bot is not a member",
    # A forum topic that was deleted or closed: only that topic's target stops.
    "message thread not found",
    "topic_deleted",
    "topic_closed",
)
# Descriptions Telegram gives when it cannot use the photo it was given (URL or file id).
_UNUSABLE_PHOTO = (
    "wrong file identifier",
    "failed to get http url content",
    "wrong type of the web page content",
    "image_process_failed",
    "photo_invalid_dimensions",
    "file is too big",
    "photo_save_file_invalid",
    "wrong remote file identifier",
    "invalid file_id",
)


def retry_seconds(exc: tg.RetryAfter) -> float:
    """Return a RetryAfter's wait in seconds (PTB gives an int or a timedelta)."""
    value = exc._retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_unusable_photo(exc: BaseException) -> bool:
    """Tell whether Telegram refused a photo itself (unfetchable URL, stale id), not the chat."""
    return isinstance(exc, tg.BadRequest) and any(part in exc.message.lower() for part in _UNUSABLE_PHOTO)


def describe(exc: tg.TelegramError) -> str:
    """Return "Kind: message" once: Telegram's own text often starts with the kind already
    ("Forbidden: bot was blocked by the user"), which must not read "Forbidden: Forbidden: …"."""
    kind, message = type(exc).__name__, (exc.message or "").strip()
    if not message:
        return kind
    if message.lower().startswith(kind.lower()) or message.lower().startswith(("forbidden:", "conflict:")):
        return message
    return f"{kind}: {message}"


def delivery_error(exc: tg.TelegramError, redact: Redact) -> DeliveryError:
    """Return the delivery outcome a PTB error means, with a redacted reason."""
    reason = redact(describe(exc))
    if isinstance(exc, tg.RetryAfter):
        return RateLimited(retry_seconds(exc), reason)
    if isinstance(exc, tg.ChatMigrated):
        return Migrated(str(exc.new_chat_id), reason)
    if isinstance(exc, tg.Forbidden):
        return Gone(reason)
    if isinstance(exc, tg.InvalidToken):
        return Transient("the bot token was refused")
    if isinstance(exc, tg.BadRequest):  # before NetworkError: BadRequest is one of its subclasses
        text = exc.message.lower()
        if "upgraded to a supergroup" in text:
            return Transient(reason)  # PTB raises ChatMigrated when the new id is given
        if any(part in text for part in _GONE):
            return Gone(reason)
        return BadFormat(reason)
    if isinstance(exc, (tg.TimedOut, tg.NetworkError, tg.Conflict)):
        return Transient(reason)
    return Transient(reason)
